/** @type {import('jest').Config} */
module.exports = {
    testEnvironment: "node",
    roots: ["<rootDir>/test"],
    testMatch: ["**/*.test.ts"],
    transform: {
        // tsconfig sets isolatedModules, so ts-jest only transpiles: type checking is "npm run lint"'s job.
        "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }],
    },
    testTimeout: 30000,
};
