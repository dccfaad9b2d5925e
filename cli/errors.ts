import * as pulumi from "@pulumi/pulumi";
import { ManifestError } from "../components/manifest/errors";

/**
 * A problem the user can fix, reported as its message alone: no stack trace, never a value.
 * `exitCode` is 1 for bad input or a failed operation, 2 for a malformed command line.
 */
export class CliError extends Error {
    constructor(
        message: string,
        readonly exitCode: number = 1,
    ) {
        super(message);
        this.name = "CliError";
    }
}

/** A malformed command line; the message is followed by the command's usage. */
export class UsageError extends CliError {
    constructor(message: string) {
        super(message, 2);
        this.name = "UsageError";
    }
}

/**
 * The one message to print for an error. Errors this project raises on purpose (manifest
 * problems, component argument problems, `RunError`s, CLI errors) are already worded for the user
 * and never hold values; anything else is unexpected and is named without its stack.
 */
export function errorMessage(err: unknown): string {
    if (err instanceof CliError || err instanceof ManifestError || pulumi.RunError.isInstance(err as Error)) {
        return (err as Error).message;
    }
    if (err instanceof Error) {
        return `unexpected ${err.name}: ${err.message.split("\n")[0]}`;
    }
    return "unexpected error";
}

/** The exit status for an error: the CLI error's own, 1 otherwise. */
export function exitCodeOf(err: unknown): number {
    return err instanceof CliError ? err.exitCode : 1;
}

/** Where a command writes: kept abstract so the commands run in-process under test. */
export interface CommandIO {
    out(text: string): void;
    err(text: string): void;
}

export const processIO: CommandIO = {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
};
