// The TypeScript entry of the Pulumi plugin package (PulumiPlugin.yaml): Pulumi's analyzer finds no
// sources for package.json's main (dist/), so it falls back to this file. Importers still get dist/.
export * from "./components";
