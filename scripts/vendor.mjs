// Copies the browser builds of htmx and the Socket.IO client from node_modules/ into
// static/vendor/, so Flask serves them as plain static files (no bundler, no CDN).
// Runs as npm's postinstall; plain Node, no dependencies.
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dest = join(root, "static", "vendor");

const files = [
  ["htmx.org/dist/htmx.min.js", true],
  ["htmx.org/dist/htmx.min.js.map", false],
  ["socket.io-client/dist/socket.io.min.js", true],
  ["socket.io-client/dist/socket.io.min.js.map", false],
];

mkdirSync(dest, { recursive: true });
for (const [file, required] of files) {
  const src = join(root, "node_modules", file);
  if (!existsSync(src)) {
    if (required) {
      console.error(`vendor: missing ${src}`);
      process.exit(1);
    }
    continue;
  }
  copyFileSync(src, join(dest, file.split("/").pop()));
}
