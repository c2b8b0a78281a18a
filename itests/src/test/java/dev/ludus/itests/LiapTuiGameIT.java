package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.frameworkStartLevel;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemTimeout;
import static org.ops4j.pax.exam.CoreOptions.workingDirectory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

import dev.ludus.api.game.Action;
import dev.ludus.api.game.ActionResult;
import dev.ludus.api.game.GameDefinition;
import dev.ludus.api.game.GameEngine;
import dev.ludus.api.game.GameSetup;
import dev.ludus.runtime.FeaturePlan;

/**
 * The Liap Tui plugin in the default feature set, in a real Felix: its DS component registers a
 * {@link GameDefinition} that can be found by type and plays a whole game, and the service leaves
 * and returns with its bundle.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LiapTuiGameIT {

    static final String BSN = "dev.ludus.game.liaptui";
    static final String FILTER = "(ludus.game.type=liap-tui)";

    @Inject
    BundleContext context;

    @Configuration
    public Option[] config() throws Exception {
        Path dist = Path.of(System.getProperty("ludus.dist"));
        Path work = Path.of(System.getProperty("ludus.itest.work")).resolve("exam-" + UUID.randomUUID());
        List<Option> options = new ArrayList<>();
        for (FeaturePlan.PlannedBundle b : FeaturePlan.of(dist, FeaturePlan.DEFAULT_FEATURES)) {
            options.add(bundle(b.jar().toUri().toString()).startLevel(b.startLevel()).start(b.start()));
        }
        options.add(junitBundles());
        options.add(frameworkStartLevel(100));
        options.add(systemTimeout(60_000));
        options.add(workingDirectory(work.resolve("paxexam").toString()));
        options.add(frameworkProperty("org.osgi.service.http.port").value(String.valueOf(Ports.free())));
        options.add(frameworkProperty("org.apache.felix.http.host").value("127.0.0.1"));
        options.add(frameworkProperty("felix.cm.dir").value(work.resolve("config").toString()));
        return options.toArray(new Option[0]);
    }

    private Collection<ServiceReference<GameDefinition>> definitions() throws Exception {
        return context.getServiceReferences(GameDefinition.class, FILTER);
    }

    private Bundle game() {
        for (Bundle b : context.getBundles()) {
            if (BSN.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    @Test
    public void theGameServiceIsFoundByTypeAndPlaysABotGameToTheEnd() throws Exception {
        Wait.until("a liap-tui GameDefinition", 10_000, () -> definitions().size() == 1);
        assertEquals(Bundle.ACTIVE, game().getState());
        ServiceReference<GameDefinition> ref = definitions().iterator().next();
        GameDefinition definition = context.getService(ref);
        try {
            assertEquals("liap-tui", definition.type());
            assertEquals(4, definition.minSeats());
            List<GameSetup.Player> players = new ArrayList<>();
            for (int s = 0; s < 4; s++) {
                players.add(new GameSetup.Player("bot" + s, null, true));
            }
            GameSetup setup = new GameSetup("itest-game", 2026, players, Map.of("maxRounds", "3"));
            GameEngine engine = definition.create(setup);
            int actions = 0;
            while (!engine.completed()) {
                Action move = null;
                for (int s = 0; s < 4 && move == null; s++) {
                    Optional<Action> a = engine.botAction(s);
                    move = a.orElse(null);
                }
                assertNotNull("someone can move", move);
                assertTrue(engine.apply(move) instanceof ActionResult.Accepted);
                if (++actions % 50 == 0) {
                    engine = definition.restore(setup, engine.snapshot());
                }
            }
            assertEquals(Boolean.TRUE, engine.result().get("completed"));
            assertTrue(actions > 3 * 4);
        } finally {
            context.ungetService(ref);
        }
    }

    @Test
    public void theServiceLeavesAndReturnsWithItsBundle() throws Exception {
        Wait.until("a liap-tui GameDefinition", 10_000, () -> definitions().size() == 1);
        Bundle game = game();
        game.stop();
        try {
            assertTrue("service gone with its bundle", definitions() == null || definitions().isEmpty());
        } finally {
            game.start();
        }
        Wait.until("service back", 10_000, () -> definitions().size() == 1);
    }
}
