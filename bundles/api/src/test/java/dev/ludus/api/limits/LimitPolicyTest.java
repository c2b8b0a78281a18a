package dev.ludus.api.limits;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.time.Duration;

import org.junit.Test;

public class LimitPolicyTest {

    @Test
    public void theWrittenFormsReadAsTheySay() {
        assertEquals(new LimitPolicy("create_room", 5, Duration.ofMinutes(1), 5, Duration.ofMinutes(5), false),
                LimitPolicy.parse("create_room", "5/1m block 5m"));
        assertEquals(new LimitPolicy("messages", 20, Duration.ofSeconds(1), 40, Duration.ZERO, false),
                LimitPolicy.parse("messages", " 20 / 1s  burst 40 "));
        assertEquals(new LimitPolicy("ping", 120, Duration.ofMillis(60_000), 120, Duration.ZERO, true),
                LimitPolicy.parse("ping", "120/60000ms SHADOW"));
        assertEquals(new LimitPolicy("x", 1, Duration.ofHours(2), 3, Duration.ofSeconds(30), true),
                LimitPolicy.parse("x", "1/2h burst 3 block 30s shadow"));
        assertNull(LimitPolicy.parse("ping", "off"));
    }

    @Test
    public void aPolicyWritesBackTheTextThatReadsIntoIt() {
        for (String spec : new String[] {"5/1m block 5m", "20/1s burst 40", "120/1m shadow", "7/1500ms", "1/2h burst 3 block 30s shadow"}) {
            LimitPolicy p = LimitPolicy.parse("p", spec);
            assertEquals(spec, p.spec());
            assertEquals(p, LimitPolicy.parse("p", p.spec()));
        }
    }

    @Test
    public void badTextIsRefusedNamingThePolicyAndTheForm() {
        for (String spec : new String[] {"", "5", "5/", "5/1", "5/1d", "-1/1s", "0/1s", "5/0s", "5/1s burst 0", "5/1s block",
                "5/1s shadow block 1m", "lots", "99999999999999/1s"}) {
            try {
                LimitPolicy.parse("join_room", spec);
                fail("accepted '" + spec + "'");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().startsWith("policy join_room: "));
            }
        }
        try {
            LimitPolicy.of("Bad Name", 1, Duration.ofSeconds(1));
            fail("accepted a bad name");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("'Bad Name'"));
        }
    }

    @Test
    public void aShadowDecisionLetsARefusalThroughAndSaysSo() {
        Decision refused = Decision.refuse(1500, true);
        Decision shadow = refused.shadow();
        assertTrue(shadow.allowed() && shadow.shadowed() && shadow.blocked());
        assertEquals(1500, shadow.retryAfterMillis());
        assertEquals(Decision.allow(3), Decision.allow(3).shadow());
    }
}
