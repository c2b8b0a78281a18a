package dev.ludus.cache.support;

/**
 * The bundle that made a cache, as one use of the service: {@code id} is new each time the bundle
 * gets the service (a bundle stopped and started again, or updated, is a new owner, so a late call
 * from its earlier life never touches the caches of the new one), with its symbolic name and version.
 */
public record Owner(long id, String name, String version) {

    @Override
    public String toString() {
        return name + " " + version;
    }
}
