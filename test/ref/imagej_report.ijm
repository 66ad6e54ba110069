// Opens every file named (comma-separated) in the argument with ImageJ and prints, per file,
// its dimensions and calibration as ImageJ sees them, then per plane (c, z, t) raw statistics
// and the values at 25 fixed positions. Run: xvfb-run -a java -jar ij.jar -batch THIS LIST
files = split(getArgument(), ",");
for (i = 0; i < files.length; i++) {
  open(files[i]);
  getDimensions(w, h, c, z, t);
  getPixelSize(unit, pw, ph);
  Stack.getUnits(xu, yu, zu, tu, vu);
  getVoxelSize(vw, vh, vd, vunit);
  print("FILE\t" + files[i] + "\t" + w + "\t" + h + "\t" + c + "\t" + z + "\t" + t + "\t" + unit + "\t" + d2s(pw, -12) + "\t" + d2s(ph, -12) + "\t" + yu + "\t" + d2s(vd, -12) + "\t" + Stack.getFrameInterval() + "\t" + tu + "\t" + bitDepth());
  for (ti = 1; ti <= t; ti++) for (zi = 1; zi <= z; zi++) for (ci = 1; ci <= c; ci++) {
    Stack.setPosition(ci, zi, ti);
    getRawStatistics(n, mean, min, max);
    line = "PLANE\t" + ci + "\t" + zi + "\t" + ti + "\t" + d2s(mean, -12) + "\t" + d2s(min, -12) + "\t" + d2s(max, -12);
    for (k = 0; k < 25; k++) {
      x = (k * 37 + 3) % w;
      y = (k * 53 + 5) % h;
      line = line + "\t" + x + "," + y + "," + d2s(getPixel(x, y), -12);
    }
    print(line);
  }
  close();
}
print("DONE");
