import { ManifestError } from "../components/manifest/errors";
import { loadBottleManifest } from "../components/manifest/load";
import type { ValidatedManifest } from "../components/manifest/schema";

/** Loads and validates a manifest; its problems name the file as the user knows it (`label`). */
export function loadManifest(file: string, label: string): ValidatedManifest {
    try {
        return loadBottleManifest(file);
    } catch (err) {
        throw err instanceof ManifestError ? new ManifestError(err.issues, label) : err;
    }
}
