package dev.ludus.gateway;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The resume-token key: configured (the same on every node of a cluster), or the node's own file. */
public class ResumeKeyTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder(new File("target"));

    @Test
    public void aConfiguredKeyIsUsedAsItIsAndTokensFromOneNodeAreGoodOnAnother() throws Exception {
        byte[] shared = new byte[48];
        for (int i = 0; i < shared.length; i++) {
            shared[i] = (byte) (i * 7 + 1);
        }
        TestConfig config = new TestConfig();
        config.resumeKey = " " + Base64.getEncoder().encodeToString(shared) + "\n";
        Path nodeA = tmp.newFolder("a").toPath();
        Path nodeB = tmp.newFolder("b").toPath();
        byte[] a = WebSocketGateway.resumeKey(config, nodeA);
        byte[] b = WebSocketGateway.resumeKey(config, nodeB);
        assertArrayEquals(shared, a);
        assertArrayEquals(a, b);
        assertTrue("no key file is made when the key is configured", !Files.exists(nodeA.resolve("gateway/resume.key")));
        ResumeTokens onA = new ResumeTokens(a, Clock.systemUTC());
        ResumeTokens onB = new ResumeTokens(b, Clock.systemUTC());
        String token = onA.issue("player-1", 3600);
        assertEquals("player-1", onB.verify(token).playerId());
        assertTrue(onB.verify(token).ok());
        ResumeTokens otherKey = new ResumeTokens(WebSocketGateway.resumeKey(new TestConfig(), tmp.newFolder("c").toPath()),
                Clock.systemUTC());
        assertTrue("a node with its own key refuses it", !otherKey.verify(token).ok());
    }

    @Test
    public void withoutAConfiguredKeyEachNodeHasItsOwnFile() throws Exception {
        TestConfig config = new TestConfig();
        Path dir = tmp.newFolder("n").toPath();
        byte[] first = WebSocketGateway.resumeKey(config, dir);
        assertTrue(Files.exists(dir.resolve("gateway/resume.key")));
        assertArrayEquals("kept across restarts", first, WebSocketGateway.resumeKey(config, dir));
    }

    @Test
    public void aConfiguredKeyThatCannotBeReadStopsTheGatewayWithTheReason() throws Exception {
        TestConfig config = new TestConfig();
        Path dir = tmp.newFolder("bad").toPath();
        for (String bad : new String[] {"not base64 !!", Base64.getEncoder().encodeToString(new byte[31])}) {
            config.resumeKey = bad;
            try {
                WebSocketGateway.resumeKey(config, dir);
                fail("accepted " + bad);
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains(".resumeKey"));
            }
        }
        assertTrue("nothing written", !Files.exists(dir.resolve("gateway/resume.key")));
    }
}
