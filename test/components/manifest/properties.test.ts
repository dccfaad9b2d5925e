import fc from "fast-check";
import {
    credProxyTokenEnvMap,
    credProxyRoutes,
    ManifestError,
    parseBottleManifest,
    renderCredProxyRoutes,
    type CredProxyRoute,
} from "../../../components/core";

const FIXED_KINDS = ["anthropic", "github", "npm"] as const;
type FixedKind = (typeof FIXED_KINDS)[number];

interface RouteOracle {
    path: string;
    upstream: string;
    authScheme: "Bearer" | "token" | "Basic" | "none";
    authHeader?: string;
    authUser?: string;
}

/** The route table of the manifest reference (README.md), written out again here as the oracle. */
const FIXED_ROUTES: Record<FixedKind, RouteOracle[]> = {
    anthropic: [{ path: "/anthropic/", upstream: "https://api.anthropic.com", authScheme: "Bearer" }],
    github: [
        { path: "/gh-api/", upstream: "https://api.github.com", authScheme: "Bearer" },
        { path: "/gh-git/", upstream: "https://github.com", authScheme: "Basic", authUser: "x-access-token" },
    ],
    npm: [{ path: "/npm/", upstream: "https://registry.npmjs.org", authScheme: "Bearer" }],
};

/** An Anthropic API key's route: the same path, the token bare in x-api-key. */
const ANTHROPIC_KEY_ROUTE: RouteOracle = {
    path: "/anthropic/",
    upstream: "https://api.anthropic.com",
    authScheme: "none",
    authHeader: "x-api-key",
};

interface Entry {
    Kind: string;
    TokenRef: string;
    Url?: string;
    Auth?: string;
}

/** An entry before its TokenRef is chosen, with the routes the manifest reference says it must become. */
interface EntrySpec {
    kind: FixedKind | "gitea";
    url?: string;
    auth?: "oauth" | "api-key";
    routes: RouteOracle[];
}

const tokenRefArb = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,30}$/);

/** TokenRefs that no fixed text of a routes file, and no generated host or path, can contain. */
const distinctiveRefArb = fc.stringMatching(/^[A-Za-z0-9]{6,16}$/).map((s) => `REF_${s}`);

const labelArb = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/).filter((l) => !l.startsWith("xn--"));
const hostArb = fc
    .tuple(fc.array(labelArb, { minLength: 1, maxLength: 3 }), fc.constantFrom("com", "org", "example", "test", "internal"))
    .map(([labels, tld]) => [...labels, tld].join("."));
const segmentArb = fc.stringMatching(/^[a-z0-9_~-]{1,8}$/);

/** A valid gitea Url, with the UpstreamHost and upstream derived from how it was built. */
const giteaArb = fc
    .record({
        scheme: fc.mixedCase(fc.constantFrom("http", "https")),
        host: fc.mixedCase(hostArb),
        port: fc.option(fc.oneof(fc.constantFrom(80, 443, 3000, 8443), fc.integer({ min: 1, max: 65535 })), { nil: undefined }),
        segments: fc.array(segmentArb, { maxLength: 3 }),
        trailingSlash: fc.boolean(),
    })
    .map(({ scheme, host, port, segments, trailingSlash }) => {
        const path = segments.length > 0 ? `/${segments.join("/")}` : "";
        const authority = port === undefined ? host : `${host}:${port}`;
        const withoutSlash = `${scheme}://${authority}${path}`;
        const defaultPort = scheme.toLowerCase() === "https" ? 443 : 80;
        const upstreamHost = port === undefined || port === defaultPort ? host.toLowerCase() : `${host.toLowerCase()}:${port}`;
        return { url: trailingSlash ? `${withoutSlash}/` : withoutSlash, upstream: withoutSlash, upstreamHost };
    });

/** Valid entries, in any order: a subset of the fixed kinds and gitea entries with distinct hosts. */
const entrySpecsArb: fc.Arbitrary<EntrySpec[]> = fc
    .tuple(
        fc.subarray([...FIXED_KINDS]),
        fc.uniqueArray(giteaArb, { selector: (g) => g.upstreamHost, maxLength: 4 }),
        fc.constantFrom(undefined, "oauth" as const, "api-key" as const),
    )
    .chain(([fixed, giteas, anthropicAuth]) => {
        const specs: EntrySpec[] = [
            ...fixed.map((kind): EntrySpec => {
                if (kind !== "anthropic" || anthropicAuth === undefined) return { kind, routes: FIXED_ROUTES[kind] };
                return { kind, auth: anthropicAuth, routes: anthropicAuth === "api-key" ? [ANTHROPIC_KEY_ROUTE] : FIXED_ROUTES.anthropic };
            }),
            ...giteas.map((g): EntrySpec => ({
                kind: "gitea",
                url: g.url,
                routes: [{ path: `/gitea/${g.upstreamHost}/`, upstream: g.upstream, authScheme: "token" }],
            })),
        ];
        return fc.shuffledSubarray(specs, { minLength: specs.length, maxLength: specs.length });
    });

function withRefs(specs: EntrySpec[], refs: string[]): Entry[] {
    return specs.map((spec, i) => ({
        Kind: spec.kind,
        TokenRef: refs[i],
        ...(spec.url !== undefined ? { Url: spec.url } : {}),
        ...(spec.auth !== undefined ? { Auth: spec.auth } : {}),
    }));
}

const extrasArb = fc.dictionary(
    fc.string({ maxLength: 12 }).filter((k) => k !== "tokens" && k !== "__proto__"),
    fc.jsonValue({ maxDepth: 3 }),
    { maxKeys: 4 },
);

const validManifestArb = (refArb: fc.Arbitrary<string>) =>
    fc
        .tuple(entrySpecsArb, fc.array(refArb, { minLength: 8, maxLength: 8 }), extrasArb)
        .map(([specs, refs, extras]) => ({ specs, entries: withRefs(specs, refs), extras }));

function expectWellFormedManifestError(err: unknown): asserts err is ManifestError {
    expect(err).toBeInstanceOf(ManifestError);
    const issues = (err as ManifestError).issues;
    expect(Array.isArray(issues)).toBe(true);
    expect(issues.length).toBeGreaterThanOrEqual(1);
    for (const issue of issues) {
        expect(typeof issue.path).toBe("string");
        expect(typeof issue.message).toBe("string");
        expect(issue.message.length).toBeGreaterThan(0);
    }
}

describe("properties: valid manifests always plan", () => {
    it("parse, route table, token-env map and routes file agree with the manifest reference", () => {
        fc.assert(
            fc.property(validManifestArb(tokenRefArb), ({ specs, entries, extras }) => {
                const manifest = { ...extras, tokens: entries };
                const bottle = parseBottleManifest(manifest);
                expect(bottle).toEqual({ ...extras, tokens: entries });

                const table = credProxyRoutes(bottle);
                const expected: CredProxyRoute[] = specs.flatMap((spec, i) =>
                    spec.routes.map((r) => ({
                        kind: spec.kind,
                        path: r.path,
                        upstream: r.upstream,
                        authScheme: r.authScheme,
                        tokenEnv: `CRED_PROXY_TOKEN_${i}`,
                        tokenRef: entries[i].TokenRef,
                        ...(r.authHeader !== undefined ? { authHeader: r.authHeader } : {}),
                        ...(r.authUser !== undefined ? { authUser: r.authUser } : {}),
                    })),
                );
                expect(table).toEqual(expected);
                const githubs = entries.filter((e) => e.Kind === "github").length;
                expect(table).toHaveLength(entries.length + githubs);

                const envMap = credProxyTokenEnvMap(table);
                expect(Object.keys(envMap)).toHaveLength(entries.length);
                expect(envMap).toEqual(Object.fromEntries(entries.map((e, i) => [`CRED_PROXY_TOKEN_${i}`, e.TokenRef])));

                const text = renderCredProxyRoutes(table);
                const parsed = JSON.parse(text) as unknown;
                expect(parsed).toEqual({
                    routes: table.map((u) => ({
                        path: u.path,
                        upstream: u.upstream,
                        auth_scheme: u.authScheme,
                        token_env: u.tokenEnv,
                        ...(u.authHeader !== undefined ? { auth_header: u.authHeader } : {}),
                        ...(u.authUser !== undefined ? { auth_user: u.authUser } : {}),
                    })),
                });
                expect(`${JSON.stringify(parsed, null, 2)}\n`).toBe(text);
                expect(text.endsWith("}\n")).toBe(true);
            }),
            { numRuns: 300 },
        );
    });

    it("gitea route paths are unique and every path starts and ends with /", () => {
        fc.assert(
            fc.property(validManifestArb(tokenRefArb), ({ entries }) => {
                const paths = credProxyRoutes(parseBottleManifest({ tokens: entries })).map((u) => u.path);
                expect(new Set(paths).size).toBe(paths.length);
                for (const p of paths) {
                    expect(p).toMatch(/^\/.*\/$/);
                }
            }),
        );
    });
});

describe("properties: junk is refused with a ManifestError and nothing else", () => {
    const kindish = fc.oneof(fc.constantFrom("anthropic", "github", "gitea", "npm"), fc.string(), fc.anything());
    const urlish = fc.oneof(
        fc.webUrl({ withQueryParameters: true, withFragments: true }),
        giteaArb.map((g) => g.url),
        fc.string(),
        fc.anything(),
    );
    const junkEntry = fc.oneof(
        fc.anything(),
        fc.record({ Kind: kindish, TokenRef: fc.oneof(tokenRefArb, fc.string(), fc.anything()), Url: urlish }, { requiredKeys: [] }),
        fc.dictionary(fc.constantFrom("Kind", "TokenRef", "Url", "Tokenref", "url", "kind"), fc.oneof(kindish, urlish, tokenRefArb)),
    );
    const heavyAnything = fc.anything({
        withBigInt: true,
        withBoxedValues: true,
        withDate: true,
        withMap: true,
        withSet: true,
        withNullPrototype: true,
        withObjectString: true,
        withSparseArray: true,
        withTypedArray: true,
    });
    const junkArb = fc.oneof(
        fc.anything(),
        heavyAnything,
        fc.jsonValue(),
        fc.record({ tokens: fc.array(junkEntry, { maxLength: 6 }) }),
        fc.record({ tokens: heavyAnything }),
        fc.tuple(extrasArb, fc.array(junkEntry, { maxLength: 6 })).map(([extras, tokens]) => ({ ...extras, tokens })),
    );

    it("parseBottleManifest either returns a plannable Bottle or throws a well-formed ManifestError", () => {
        fc.assert(
            fc.property(junkArb, (junk) => {
                let bottle;
                try {
                    bottle = parseBottleManifest(junk);
                } catch (err) {
                    expectWellFormedManifestError(err);
                    for (const issue of err.issues) {
                        expect(err.message).toContain(issue.message);
                    }
                    return;
                }
                // whatever was accepted must plan without throwing
                const table = credProxyRoutes(bottle);
                credProxyTokenEnvMap(table);
                JSON.parse(renderCredProxyRoutes(table));
            }),
            { numRuns: 500 },
        );
    });
});

describe("properties: the routes file never names a TokenRef", () => {
    it("holds none of the manifest's TokenRefs", () => {
        fc.assert(
            fc.property(validManifestArb(distinctiveRefArb), ({ entries }) => {
                const text = renderCredProxyRoutes(credProxyRoutes(parseBottleManifest({ tokens: entries })));
                for (const e of entries) {
                    expect(text).not.toContain(e.TokenRef);
                }
                expect(text).not.toContain("REF_");
            }),
            { numRuns: 300 },
        );
    });
});

describe("properties: error messages never carry a secret placed in a value", () => {
    const secretArb = fc
        .tuple(fc.constantFrom("ghp", "sk-ant", "npm", "glpat", "fake"), fc.stringMatching(/^[A-Za-z0-9]{20,40}$/))
        .map(([p, s]) => `${p}-${s}`);

    /** Ways a secret ends up where it does not belong; each makes the entry invalid. */
    const placements: Array<[string, (s: string) => unknown]> = [
        ["as TokenRef", (s) => ({ Kind: "github", TokenRef: s })],
        ["as Kind", (s) => ({ Kind: s, TokenRef: "SOME_REF" })],
        ["as the entry", (s) => s],
        ["in a TokenRef list", (s) => ({ Kind: "npm", TokenRef: [s] })],
        ["as Url user", (s) => ({ Kind: "gitea", TokenRef: "G", Url: `https://${s}@git.example.com` })],
        ["as Url password", (s) => ({ Kind: "gitea", TokenRef: "G", Url: `https://oauth2:${s}@git.example.com/` })],
        ["in the Url query", (s) => ({ Kind: "gitea", TokenRef: "G", Url: `https://git.example.com/?token=${s}` })],
        ["in the Url fragment", (s) => ({ Kind: "gitea", TokenRef: "G", Url: `https://git.example.com/#${s}` })],
        ["after a space in the Url", (s) => ({ Kind: "gitea", TokenRef: "G", Url: `https://git.example.com/ ${s}` })],
        ["in a Url with a bad scheme", (s) => ({ Kind: "gitea", TokenRef: "G", Url: `ftp://git.example.com/${s}` })],
        ["as the Url", (s) => ({ Kind: "gitea", TokenRef: "G", Url: s })],
        ["in a Url on a fixed kind", (s) => ({ Kind: "npm", TokenRef: "N", Url: `https://registry.npmjs.org/${s}` })],
        ["as an unknown key's value", (s) => ({ Kind: "npm", TokenRef: "N", Token: s })],
        ["as the Url and the TokenRef", (s) => ({ Kind: "gitea", TokenRef: s, Url: `https://${s}@git.example.com` })],
    ];

    it("for every placement, among valid entries, at any position", () => {
        fc.assert(
            fc.property(
                secretArb,
                fc.constantFrom(...placements),
                entrySpecsArb,
                fc.array(tokenRefArb, { minLength: 8, maxLength: 8 }),
                fc.nat(),
                (secret, [, place], specs, refs, at) => {
                    // keep the valid entries free of the kinds a bad entry could duplicate
                    const valid = withRefs(
                        specs.filter((s) => s.kind === "gitea"),
                        refs,
                    );
                    const index = at % (valid.length + 1);
                    const tokens: unknown[] = [...valid.slice(0, index), place(secret), ...valid.slice(index)];
                    let err: unknown;
                    try {
                        parseBottleManifest({ tokens, note: "unrelated" });
                    } catch (e) {
                        err = e;
                    }
                    expectWellFormedManifestError(err);
                    expect(err.issues.some((i) => i.path.startsWith(`tokens[${index}]`))).toBe(true);
                    const visible = [err.message, String(err), err.stack ?? "", JSON.stringify(err.issues)].join("\n");
                    expect(visible).not.toContain(secret);
                },
            ),
            { numRuns: 300 },
        );
    });
});
