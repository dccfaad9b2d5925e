/**
 * The benchmark's command-line options (documented at the head of run.ts) and the sizes they set.
 */
export const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
export const PHASES = ["requests", "sse", "streams", "plan"] as const;
export type Phase = (typeof PHASES)[number];

export interface Options {
    quick: boolean;
    build: boolean;
    only: Set<Phase>;
    targets?: Set<string>;
    compare: string[];
    floor: boolean;
    jsonFile?: string;
    rounds: number;
    requestsPerRound: number;
    warmupRequests: number;
    connections: number;
    unloadedRequests: number;
    streamBytes: number;
    streamRounds: number;
    sseStreams: number;
    sseEvents: number;
    sseIntervalMs: number;
    planRepeats: number;
}

export function parseOptions(argv: string[]): Options {
    const quick = argv.includes("--quick");
    const withValue = ["--only", "--rounds", "--json", "--targets", "--compare"];
    const known = new Set(["--quick", "--no-build", "--floor", ...withValue]);
    for (let i = 0; i < argv.length; i++) {
        if (!known.has(argv[i])) throw new Error(`unknown argument ${argv[i]} (see the head of bench/run.ts)`);
        if (withValue.includes(argv[i]) && argv[++i] === undefined) throw new Error(`${argv[i - 1]} needs a value`);
    }
    const value = (flag: string): string | undefined => {
        const i = argv.indexOf(flag);
        return i === -1 ? undefined : argv[i + 1];
    };
    const only = new Set((value("--only") ?? PHASES.join(",")).split(",") as Phase[]);
    for (const p of only) if (!PHASES.includes(p)) throw new Error(`--only takes ${PHASES.join(",")}`);
    const rounds = Number(value("--rounds") ?? (quick ? 2 : 5));
    if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 20)) throw new Error("--rounds takes 1..20");
    const targets = value("--targets");
    return {
        quick,
        build: !argv.includes("--no-build"),
        only,
        targets: targets ? new Set(["direct", "cred-proxy", ...targets.split(",")]) : undefined,
        compare: (value("--compare") ?? "").split(",").filter(Boolean),
        floor: argv.includes("--floor"),
        jsonFile: value("--json"),
        rounds,
        requestsPerRound: quick ? 4_000 : 20_000,
        warmupRequests: quick ? 1_000 : 3_000,
        connections: 50,
        unloadedRequests: quick ? 300 : 1_000,
        streamBytes: quick ? 64 * MiB : GiB,
        streamRounds: quick ? 1 : 3,
        sseStreams: quick ? 5 : 10,
        sseEvents: 20,
        sseIntervalMs: 5,
        planRepeats: quick ? 1 : 3,
    };
}
