import { type CommandIO, processIO } from "./errors";
import { findPackageRoot } from "./project";

/** What every command gets from the process it runs in. */
export interface ProcessContext {
    io: CommandIO;
    env: Readonly<Record<string, string | undefined>>;
    cwd: string;
    projectDir: string;
}

/**
 * Runs a command as a bin: wires it to this process and turns its result into the exit status.
 * Commands report their own errors; anything that still escapes is printed as one line.
 */
export function runMain(bin: string, command: (argv: ReadonlyArray<string>, ctx: ProcessContext) => Promise<number>): void {
    const ctx = { io: processIO, env: process.env, cwd: process.cwd(), projectDir: findPackageRoot(__dirname) };
    command(process.argv.slice(2), ctx).then(
        (status) => {
            process.exitCode = status;
        },
        (err: unknown) => {
            process.stderr.write(`${bin}: ${err instanceof Error ? err.message : String(err)}\n`);
            process.exitCode = 1;
        },
    );
}
