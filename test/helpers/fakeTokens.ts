import { randomBytes } from "crypto";

/** A fresh fake token: random, so a leak cannot be mistaken for a coincidence. Never on disk. */
export function fakeToken(label: string): string {
    return `fake-${label}-${randomBytes(12).toString("hex")}`;
}
