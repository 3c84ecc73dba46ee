/** fastparallel 2 ships no types; this is the slice bounded-emitter.ts uses. */
declare module 'fastparallel' {
  export default function fastparallel(options: {
    results: boolean;
    released: () => void;
  }): (...args: unknown[]) => void;
}
