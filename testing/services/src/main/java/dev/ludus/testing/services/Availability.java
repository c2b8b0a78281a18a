package dev.ludus.testing.services;

/**
 * The outcome of looking for a service once in this JVM.
 *
 * @param <T> the handle tests use
 */
public sealed interface Availability<T> {

    /**
     * The service is there.
     *
     * @param service the handle
     * @param origin  where it runs, for humans ("real server at 127.0.0.1:5432")
     */
    record Ready<T>(T service, String origin) implements Availability<T> {
    }

    /**
     * No service could be had.
     *
     * @param reason every way that was tried and why it failed, for the skip report
     */
    record Missing<T>(String reason) implements Availability<T> {
    }
}
