package dev.ludus.cache.support;

/** The bundle that made a cache: its id (kept across updates), symbolic name and version. */
public record Owner(long id, String name, String version) {

    @Override
    public String toString() {
        return name + " " + version;
    }
}
