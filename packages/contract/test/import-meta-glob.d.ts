// The one piece of Vite's client types the tests use (vite itself is not a direct dependency):
// import.meta.glob, expanded by Vite at transform time in both test pools.
interface ImportMeta {
  glob<T = unknown>(
    pattern: string,
    options: { query?: string; import?: string; eager: true },
  ): Record<string, T>;
}
