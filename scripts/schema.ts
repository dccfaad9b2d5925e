#!/usr/bin/env node
// Checks or rewrites the committed multi-language schema (schema.json):
//   npm run schema:check | npm run schema:update   (ts-node scripts/schema.ts [--update])
// Without --update it exits 1 and prints a diff when the snapshot is out of date.
import * as fs from "fs";
import * as path from "path";
import { findPackageRoot } from "../cli/project";
import { unifiedDiff } from "../cli/plan/textDiff";
import { hostSchema, renderSchema, SCHEMA_SNAPSHOT } from "./packageSchema";

async function main(args: string[]): Promise<number> {
    const unknown = args.filter((a) => a !== "--update");
    if (unknown.length > 0) {
        process.stderr.write(`usage: scripts/schema.ts [--update]   (unknown: ${unknown.join(" ")})\n`);
        return 2;
    }
    const root = findPackageRoot(__dirname);
    const file = path.join(root, SCHEMA_SNAPSHOT);
    const fresh = renderSchema(await hostSchema(root));
    const committed = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    if (args.includes("--update")) {
        if (committed !== fresh) {
            fs.writeFileSync(file, fresh);
            process.stdout.write(`wrote ${SCHEMA_SNAPSHOT}\n`);
        } else {
            process.stdout.write(`${SCHEMA_SNAPSHOT} is up to date\n`);
        }
        return 0;
    }
    if (committed === fresh) {
        process.stdout.write(`${SCHEMA_SNAPSHOT} is up to date\n`);
        return 0;
    }
    process.stdout.write(unifiedDiff(committed, fresh, { before: SCHEMA_SNAPSHOT, after: "schema from the sources" }));
    process.stderr.write(`${SCHEMA_SNAPSHOT} is out of date: run \`npm run schema:update\` and commit the result\n`);
    return 1;
}

main(process.argv.slice(2)).then(
    (status) => {
        process.exitCode = status;
    },
    (err: unknown) => {
        process.stderr.write(`schema: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
    },
);
