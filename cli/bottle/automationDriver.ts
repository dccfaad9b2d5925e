import * as fs from "fs";
import type { Stack } from "@pulumi/pulumi/automation";
import type { BottleDriver, BottleRun } from "./run";
import { CliError, type CommandIO } from "../errors";
import { INSTALL_HINT } from "./prerequisites";

/**
 * Runs a bottle operation with Pulumi's Automation API, on a LocalWorkspace whose workDir is this
 * project: the same Pulumi.yaml, program (stacks/bottle.ts) and stacks/Pulumi.<stack>.yaml files
 * that `pulumi` by hand and the CI preview job use, so all three see one set of stacks. (An inline
 * program would be a second, diverging definition of the same stack.)
 */
export const automationDriver: BottleDriver = {
    async run(run: BottleRun, io: CommandIO): Promise<number> {
        const auto = await import("@pulumi/pulumi/automation");
        let pulumiCommand;
        try {
            pulumiCommand = await auto.PulumiCommand.get(run.cli.root !== undefined ? { root: run.cli.root } : undefined);
        } catch (err) {
            throw new CliError(`the Pulumi CLI at ${run.cli.command} cannot be used (${firstLine(err)}); ${INSTALL_HINT}`);
        }
        if (run.backend.localDir !== undefined) {
            fs.mkdirSync(run.backend.localDir, { recursive: true });
        }
        const options = {
            workDir: run.projectDir,
            pulumiCommand,
            // Placeholders (--placeholder-tokens) reach the program as the variables it reads.
            envVars: { PULUMI_BACKEND_URL: run.backend.url, PULUMI_SKIP_UPDATE_CHECK: "true", ...run.placeholders },
        };
        const args = { stackName: run.stackName, workDir: run.projectDir };
        const creates = run.operation === "preview" || run.operation === "up";
        let stack: Stack;
        try {
            stack = creates
                ? await auto.LocalWorkspace.createOrSelectStack(args, options)
                : await auto.LocalWorkspace.selectStack(args, options);
        } catch (err) {
            if (err instanceof auto.StackNotFoundError) {
                throw new CliError(
                    `there is no stack ${run.stackName} on ${run.backend.url}: nothing to ${run.operation === "destroy" ? "destroy" : "show"}`,
                );
            }
            throw pulumiFailure(`selecting stack ${run.stackName}`, err);
        }
        try {
            for (const key of run.config.remove) {
                await stack.removeConfig(key);
            }
            const plain = run.config.set.filter((c) => !c.path);
            if (plain.length > 0) {
                await stack.setAllConfig(Object.fromEntries(plain.map((c) => [c.key, { value: c.value }])));
            }
            for (const change of run.config.set.filter((c) => c.path)) {
                await stack.setConfig(change.key, { value: change.value }, true);
            }
        } catch (err) {
            throw pulumiFailure(`writing the config of stack ${run.stackName}`, err);
        }

        // Ctrl-C reaches Pulumi too (same process group), which then cancels cleanly; stay alive to
        // show its output. A second Ctrl-C makes Pulumi stop at once, and this process quits.
        let interrupted = false;
        const interrupt = () => {
            if (interrupted) {
                process.exit(130);
            }
            interrupted = true;
            io.err("\nInterrupted: Pulumi is stopping cleanly (press Ctrl-C again to quit at once)\n");
        };
        process.on("SIGINT", interrupt);
        const streaming = {
            onOutput: (text: string) => io.out(text),
            onError: (text: string) => io.err(text),
            color: process.stdout.isTTY ? ("always" as const) : ("never" as const),
        };
        try {
            switch (run.operation) {
                case "preview":
                    await stack.preview({ ...streaming, diff: true });
                    break;
                case "up": {
                    const started = Date.now();
                    await stack.up(streaming);
                    const outputs = await stack.outputs();
                    io.out(
                        `\nThe bottle's proxy ${String(outputs.containerName?.value)} is up and healthy (pulumi up took ${((Date.now() - started) / 1000).toFixed(1)} s).\n`,
                    );
                    io.out(
                        `The agent container joins network ${String(outputs.internalNetworkName?.value)} only, with this environment:\n`,
                    );
                    for (const [key, value] of Object.entries((outputs.agentEnvironment?.value ?? {}) as Record<string, string>)) {
                        io.out(`  ${key}=${value}\n`);
                    }
                    io.out(`(as JSON: npm run -s bottle -- outputs ${run.manifestLabel}${stackFlag(run)})\n`);
                    break;
                }
                case "destroy":
                    await stack.destroy(streaming);
                    break;
                case "outputs":
                    io.out(renderOutputs(await stack.outputs()));
                    break;
            }
        } catch (err) {
            // Pulumi has printed its diagnostics already (streamed above); say only what failed.
            throw new CliError(
                `pulumi ${run.operation} failed for stack ${run.stackName}${err instanceof auto.CommandError ? "; see its output above" : `: ${firstLine(err)}`}`,
            );
        } finally {
            process.off("SIGINT", interrupt);
        }
        return 0;
    },
};

function stackFlag(run: BottleRun): string {
    return run.stackName === run.slug ? "" : ` --stack ${run.stackName}`;
}

/** Stack outputs as sorted JSON; secret outputs (there should be none) are shown as `[secret]`. */
export function renderOutputs(outputs: Record<string, { value: unknown; secret: boolean }>): string {
    const shown = Object.fromEntries(
        Object.keys(outputs)
            .sort()
            .map((k) => [k, outputs[k].secret ? "[secret]" : outputs[k].value]),
    );
    return `${JSON.stringify(shown, null, 2)}\n`;
}

/**
 * A failed Pulumi command that was not streamed: its `error:` lines (Pulumi's own diagnostics,
 * which mask secrets), not the whole command result with its stdout.
 */
export function pulumiFailure(what: string, err: unknown): CliError {
    const message = err instanceof Error ? err.message : String(err);
    const stderr = /\n stderr: ([\s\S]*?)\n err\?:/.exec(message)?.[1] ?? "";
    const errors = stderr
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line.startsWith("error:"))
        .map((line) => line.slice("error:".length).trim());
    const reason = errors.length > 0 ? errors.join("; ") : firstLine(err);
    return new CliError(`${what} failed: ${reason}`);
}

function firstLine(err: unknown): string {
    return (err instanceof Error ? err.message : String(err)).split("\n")[0];
}
