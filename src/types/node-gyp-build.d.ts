declare module 'node-gyp-build' {
  /** Loads the addon of the package folder `dir`: build/Release, build/Debug, then prebuilds/<platform>-<arch>. */
  function load(dir: string): unknown;
  namespace load {
    /** The path load() would use; throws "No native build was found …" when there is none. */
    function resolve(dir: string): string;
  }
  export default load;
}
