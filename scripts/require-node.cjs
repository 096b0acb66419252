// Runs before every npm script that starts ordergraph code (see package.json "pre…" scripts),
// under whatever Node the shell has, so it uses nothing newer than ES5 and CommonJS.
"use strict";
var required = 24;
var major = Number(process.versions.node.split(".")[0]);
if (major < required) {
  console.error(
    "ordergraph needs Node " + required + " (this is " + process.version + ").\n" +
      "Install Node " + required + " (for example `nvm install` in this directory, which reads .nvmrc, or `fnm use`), then run `npm ci` again."
  );
  process.exit(1);
}
