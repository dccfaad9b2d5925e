/**
 * Planning `uploads[]` entries, and the one-entry tar the provider extracts at `/` inside the
 * created container for each of them.
 */
import { readFileSync } from "node:fs";
import { pack } from "tar-stream";
import type { Inputs } from "./inputs";
import { IGNORED_UPLOAD_KEYS, SUPPORTED_UPLOAD_KEYS } from "./vocabulary";

export interface UploadPlan {
    file: string;
    mode: number;
    uid: number;
    gid: number;
    content: Buffer;
}

/** One `uploads[]` entry: target path, mode, owner and content bytes, checked like the provider. */
export function planUpload(u: Inputs): UploadPlan {
    u.checkKeys(SUPPORTED_UPLOAD_KEYS, IGNORED_UPLOAD_KEYS);
    const file = u.str("file") ?? u.fail("file", "required");
    if (!file.startsWith("/")) u.fail("file", `must be an absolute path in the container, got ${file}`);
    // Like the provider: an empty string counts as not set; exactly one source of content.
    const content = u.str("content") || undefined;
    const contentBase64 = u.str("contentBase64") || undefined;
    const source = u.str("source") || undefined;
    const given = [content, contentBase64, source].filter((v) => v !== undefined).length;
    if (given !== 1) u.fail("content", "exactly one of content, contentBase64 or source must be set");
    let bytes: Buffer;
    if (content !== undefined) bytes = Buffer.from(content, "utf8");
    else if (contentBase64 !== undefined) bytes = Buffer.from(contentBase64, "base64");
    else bytes = readFileSync(source as string);
    const permissions = u.str("permissions");
    let mode: number;
    if (permissions !== undefined) {
        if (!/^0?[0-7]{3,4}$/.test(permissions)) u.fail("permissions", `not an octal mode: ${permissions}`);
        mode = parseInt(permissions, 8);
    } else {
        mode = u.bool("executable") ? 0o744 : 0o644;
    }
    const id = (key: "owner" | "group"): number => {
        const v = u.str(key);
        if (v === undefined) return 0;
        if (!/^\d+$/.test(v)) {
            u.fail(key, `only numeric ids are supported (the provider resolves names on the deploying host): ${v}`);
        }
        return Number(v);
    };
    return { file, mode, uid: id("owner"), gid: id("group"), content: bytes };
}

/** The one-entry tar the provider extracts at `/` for an upload. */
export function uploadTar(u: UploadPlan): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const p = pack();
        const chunks: Buffer[] = [];
        p.on("data", (c: unknown) => chunks.push(c as Buffer));
        p.on("end", () => resolve(Buffer.concat(chunks)));
        p.on("error", reject);
        p.entry(
            {
                // The full target path; relative to the extraction point `/`.
                name: u.file.replace(/^\/+/, ""),
                mode: u.mode,
                uid: u.uid,
                gid: u.gid,
                size: u.content.length,
                mtime: new Date(0),
                type: "file",
            },
            u.content,
            (err) => {
                if (err) reject(err);
                else p.finalize();
            },
        );
    });
}

