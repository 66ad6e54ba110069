// The Jupyter widget protocol's MIME types: a displayed view, and widget state saved with a page or notebook.
// No imports: the browser bundle (widgets/src via src/widgets/protocol.ts) compiles this file too.
export const WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json";
export const WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json";
