/** Small trees of real files in the temp folder, for tests of code that reads a project. */
import fs from "fs";
import os from "os";
import path from "path";

const REPO_ROOT = path.resolve(__dirname, "../..");

/** Writes `text` at `root/rel`, creating folders; `mtime` (seconds) sets its times. */
export function writeFile(root: string, rel: string, text: string, mtime?: number): void {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    if (mtime !== undefined) fs.utimesSync(file, mtime, mtime);
}

/** Copies files of this repository (paths relative to its root) into `root`, at the same paths. */
export function copyFromRepo(root: string, rels: ReadonlyArray<string>): void {
    for (const rel of rels) {
        fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
        fs.copyFileSync(path.join(REPO_ROOT, rel), path.join(root, rel));
    }
}

/** A maker of fresh temp folders named `<prefix>-...`, all removed after the test file. */
export function tempDirs(prefix: string): () => string {
    const made: string[] = [];
    afterAll(() => {
        for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
    });
    return () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
        made.push(dir);
        return dir;
    };
}
