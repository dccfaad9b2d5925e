// Runs each mutation in mutations.js against a scratch copy of the project and checks that the
// suite catches it. Usage: node scripts/mutations/run.js   (exit 1 when a mutation survives)
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const mutations = require("./mutations");

const ROOT = path.resolve(__dirname, "../..");
const SKIP = new Set(["node_modules", "dist", ".git", "coverage", ".cache"]);

function copyProject() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cred-proxy-mutant-"));
    for (const entry of fs.readdirSync(ROOT)) {
        if (!SKIP.has(entry)) {
            fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
        }
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    return dir;
}

/** Runs jest on `tests`, restricted to the tests whose names match `only` when given. */
function jest(dir, tests, only) {
    const filter = only === undefined ? [] : ["-t", only];
    // --forceExit: a mutant may leave a handle open (a crashed child's socket, say) that would
    // keep jest waiting after its tests have already failed.
    const args = [path.join(ROOT, "node_modules/jest/bin/jest.js"), "--silent", "--forceExit", ...filter, ...tests];
    const result = spawnSync(process.execPath, args, {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, CI: "true" },
        timeout: 15 * 60_000,
    });
    if (result.error) console.error(`mutations: jest did not finish: ${result.error.message}`);
    return result.status;
}

const dir = copyProject();
let survived = 0;
try {
    const allTests = [...new Set(mutations.flatMap((m) => m.tests))];
    if (jest(dir, allTests) !== 0) {
        console.error("mutations: the unmutated copy fails its tests; fix the suite first");
        process.exit(1);
    }
    for (const m of mutations) {
        const file = path.join(dir, m.file);
        const original = fs.readFileSync(file, "utf8");
        if (!original.includes(m.find)) {
            console.error(`mutations: "${m.name}": ${m.file} no longer contains the text to break; update mutations.js`);
            survived++;
            continue;
        }
        fs.writeFileSync(file, original.replace(m.find, m.replace));
        const status = jest(dir, m.tests, m.only);
        fs.writeFileSync(file, original);
        const caught = status !== 0;
        if (!caught) survived++;
        console.log(`${caught ? "caught  " : "SURVIVED"}  ${m.name}`);
    }
} finally {
    fs.rmSync(dir, { recursive: true, force: true });
}
console.log(`mutations: ${mutations.length - survived} caught, ${survived} survived`);
process.exit(survived === 0 ? 0 : 1);
