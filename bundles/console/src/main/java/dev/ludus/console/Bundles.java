package dev.ludus.console;

import java.util.Arrays;

import org.osgi.framework.Bundle;

/** Words for OSGi values. */
final class Bundles {

    private Bundles() {
    }

    static String state(int state) {
        return switch (state) {
            case Bundle.ACTIVE -> "ACTIVE";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.UNINSTALLED -> "UNINSTALLED";
            default -> String.valueOf(state);
        };
    }

    static String value(Object v) {
        return v instanceof Object[] a ? Arrays.toString(a) : String.valueOf(v);
    }
}
