// Copies the front-end files the pages load from node_modules into static/vendor/ (not in git).
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const vendor = path.join(root, "static", "vendor");
fs.mkdirSync(vendor, { recursive: true });
// axe.min.js is for the accessibility tests only (they inject it); no page loads it.
const files = [
  ["htmx.org/dist/htmx.min.js", "htmx.min.js"],
  ["axe-core/axe.min.js", "axe.min.js"],
];
for (const [from, to] of files) {
  fs.copyFileSync(path.join(root, "node_modules", from), path.join(vendor, to));
  console.log(`static/vendor/${to}`);
}
