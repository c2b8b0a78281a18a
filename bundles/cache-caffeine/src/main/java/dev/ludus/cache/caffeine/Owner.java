package dev.ludus.cache.caffeine;

/** The bundle that made a cache: its id (kept across updates), symbolic name and version. */
record Owner(long id, String name, String version) {

    @Override
    public String toString() {
        return name + " " + version;
    }
}
