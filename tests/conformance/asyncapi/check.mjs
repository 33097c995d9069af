// Parse an AsyncAPI document (the file named by the first argument) with the official
// parser and print each diagnostic as one JSON line: severity 0 error, 1 warning, 2 info,
// 3 hint. Exits 1 if the parser made no document of it.
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";

const { document, diagnostics } = await new Parser().parse(readFileSync(process.argv[2], "utf8"));
for (const { severity, code, message, path } of diagnostics) {
  console.log(JSON.stringify({ severity, code, message, path }));
}
process.exit(document ? 0 : 1);
