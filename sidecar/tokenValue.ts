/**
 * Shared by the server (at start) and the component (at deploy time), so both refuse the same
 * values; it lives with the server because dist/sidecar must stand alone in the image.
 *
 * Why a token value cannot be injected as a header, or `undefined` when it can. The reason never
 * quotes the value. CR and LF would split or forge headers; other control characters and non-ASCII
 * bytes make Node refuse the header at request time, long after deploy; surrounding whitespace is
 * almost always a copy-paste accident (a trailing newline from `echo` or a file).
 */
export function tokenValueProblem(value: string): string | undefined {
    if (value.length === 0) {
        return "is empty; an empty token is never injected";
    }
    if (/[\r\n]/.test(value)) {
        return "contains a line break (CR or LF), which would break or forge HTTP headers";
    }
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
    if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) {
        return "contains a control character, which cannot be sent in an HTTP header";
    }
    if (/[^\u0020-\u007e]/.test(value)) {
        return "contains a non-ASCII character, which cannot be sent in an HTTP header";
    }
    if (value.trim() !== value) {
        return "has leading or trailing whitespace; strip it (a trailing newline from a file or echo is common)";
    }
    return undefined;
}
