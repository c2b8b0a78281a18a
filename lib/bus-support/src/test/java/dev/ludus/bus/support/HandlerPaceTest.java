package dev.ludus.bus.support;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

public class HandlerPaceTest {

    @Test
    public void aNewGroupGoesThroughItsLanesUntilItHasShownItselfQuick() {
        HandlerPace pace = new HandlerPace();
        assertFalse(pace.quick());
        int calls = 0;
        while (!pace.quick()) {
            pace.took(5_000);
            calls++;
        }
        assertTrue("a few quick calls are enough, took " + calls, calls > 3 && calls < 20);
    }

    @Test
    public void aHandlerThatSlowsDownGoesBackToItsLanesAtOnce() {
        HandlerPace pace = new HandlerPace();
        for (int i = 0; i < 50; i++) {
            pace.took(5_000);
        }
        assertTrue(pace.quick());
        pace.took(2_000_000); // one call of 2 ms
        assertFalse(pace.quick());
        pace.took(-1); // a clock step back counts as nothing, not as a negative time
        assertTrue(pace.averageNanos() >= 0);
    }
}
