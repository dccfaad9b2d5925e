import { UsageError } from "./errors";

/** What a command accepts: each option by its long name, as a switch or as taking a value. */
export type OptionSpec = Readonly<Record<string, "switch" | "value">>;

export interface ParsedArgs {
    positionals: string[];
    /** Switches map to `true`, value options to their value. Absent options are absent. */
    options: Record<string, string | true>;
}

/**
 * Parses `argv` (without node and the script): `--name value`, `--name=value`, switches, `-h` for
 * `--help`, and `--` to end the options. Unknown, repeated and value-less options are usage errors.
 */
export function parseArgs(argv: ReadonlyArray<string>, spec: OptionSpec): ParsedArgs {
    const positionals: string[] = [];
    const options: Record<string, string | true> = {};
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--") {
            positionals.push(...argv.slice(i + 1));
            break;
        }
        if (arg === "-h") {
            options.help = true;
            continue;
        }
        if (!arg.startsWith("-") || arg === "-") {
            positionals.push(arg);
            continue;
        }
        if (!arg.startsWith("--")) {
            throw new UsageError(`unknown option ${arg}`);
        }
        const eq = arg.indexOf("=");
        const name = arg.slice(2, eq === -1 ? undefined : eq);
        const kind = Object.prototype.hasOwnProperty.call(spec, name) ? spec[name] : undefined;
        if (kind === undefined) {
            throw new UsageError(`unknown option --${name}`);
        }
        if (Object.prototype.hasOwnProperty.call(options, name)) {
            throw new UsageError(`--${name} is given twice`);
        }
        if (kind === "switch") {
            if (eq !== -1) {
                throw new UsageError(`--${name} takes no value`);
            }
            options[name] = true;
            continue;
        }
        const value = eq !== -1 ? arg.slice(eq + 1) : argv[++i];
        if (value === undefined || value === "" || (eq === -1 && value.startsWith("--"))) {
            throw new UsageError(`--${name} needs a value`);
        }
        options[name] = value;
    }
    return { positionals, options };
}

/** A value option's value, or undefined when it was not given. */
export function optionValue(args: ParsedArgs, name: string): string | undefined {
    const value = args.options[name];
    return typeof value === "string" ? value : undefined;
}

/** `--port`: a whole number from 1 to 65535. */
export function parsePort(raw: string | undefined): number | undefined {
    if (raw === undefined) {
        return undefined;
    }
    const port = /^[0-9]{1,5}$/.test(raw) ? Number(raw) : NaN;
    if (!(port >= 1 && port <= 65535)) {
        throw new UsageError("--port must be a whole number from 1 to 65535");
    }
    return port;
}
