/**
 * @module `preact/jsx-runtime`, what `@jsxImportSource preact` resolves to; pinned beside
 * {@link ./preact.ts} (same version).
 */
export * from "npm:preact@11.2.0/jsx-runtime";
