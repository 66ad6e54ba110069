// The bundled data the demo uses (data-samples/README.md gives provenance and licences).

/** The held-out EM crops (the *_1 sections; the *_0 sections are for training). */
export const DEMO_HELD_OUT = ["em/emdiffuse_demo/microns_mouse_cortex_1.tif", "em/emdiffuse_demo/mouse_liver_1.tif"];
/** The EM images a demo model trains on (other sections and another brain field). */
export const DEMO_TRAIN = [
  "em/emdiffuse_demo/microns_mouse_cortex_0.tif",
  "em/emdiffuse_demo/mouse_liver_0.tif",
  "pairs/emdiffuse_brain_noisy_clean/pair1_gt_clean.tif",
];
