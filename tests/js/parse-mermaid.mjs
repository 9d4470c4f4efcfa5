// Parses mermaid text from stdin with mermaid's own parser (mermaid.parse), as a browser would.
// Prints the diagram type (e.g. "flowchart-v2") and exits 0, or prints the parse error and exits 1.
// mermaid needs a DOM at import time (DOMPurify), so a minimal jsdom window is installed first.
import { JSDOM } from 'jsdom';

const { window } = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = window;
globalThis.document = window.document;

const { default: mermaid } = await import('mermaid');

let text = '';
for await (const chunk of process.stdin) text += chunk;

try {
  const result = await mermaid.parse(text);
  process.stdout.write(`${result.diagramType}\n`);
} catch (error) {
  process.stderr.write(`${error.message ?? error}\n`);
  process.exit(1);
}
