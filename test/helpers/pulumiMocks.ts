// The mock-runtime recorder lives in the package (the offline plan command uses it too); the
// tests import it from here, together with the leak-hunting helpers below.
import { isSecretWrapper } from "../../cli/plan/mockEngine";

export {
    installMocks,
    isSecretWrapper,
    SECRET_SIG,
    SECRET_SIG_VALUE,
    settle,
    valueOf,
} from "../../cli/plan/mockEngine";
export type { MockOptions, RegisteredResource } from "../../cli/plan/mockEngine";

/**
 * Paths at which `needle` appears in `value` outside any secret wrapper: every such path is a
 * leak. Keys are searched too, since a value can end up as a map key.
 */
export function plaintextOccurrences(value: unknown, needle: string, path = "$"): string[] {
    if (isSecretWrapper(value)) {
        return [];
    }
    if (typeof value === "string") {
        return value.includes(needle) ? [path] : [];
    }
    if (Array.isArray(value)) {
        return value.flatMap((v, i) => plaintextOccurrences(v, needle, `${path}[${i}]`));
    }
    if (typeof value === "object" && value !== null) {
        return Object.entries(value).flatMap(([k, v]) => [
            ...(k.includes(needle) ? [`${path} (key)`] : []),
            ...plaintextOccurrences(v, needle, `${path}.${k}`),
        ]);
    }
    return [];
}

/** Every string found inside secret wrappers, so tests can check a secret did arrive. */
export function secretStrings(value: unknown, inSecret = false): string[] {
    if (isSecretWrapper(value)) {
        return secretStrings(value.value, true);
    }
    if (typeof value === "string") {
        return inSecret ? [value] : [];
    }
    if (Array.isArray(value)) {
        return value.flatMap((v) => secretStrings(v, inSecret));
    }
    if (typeof value === "object" && value !== null) {
        return Object.values(value).flatMap((v) => secretStrings(v, inSecret));
    }
    return [];
}
