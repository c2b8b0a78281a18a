package dev.ludus.runtime;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.Test;

public class FeatureTest {

    private static Feature parse(String json) {
        return Feature.parse(json, Path.of("test.json"));
    }

    @Test
    public void readsBundlesWithStartOrderAndFrameworkProperties() {
        Feature f = parse("""
                { "feature-resource-version": "1.0", "id": "g:f:1.0", "name": "F",
                  "bundles": [ "g:a:1", { "id": "g:b:zip:cls:2", "start-order": 3, "start": false } ],
                  "framework-properties": { "x": "y", "n": 5 } }
                """);
        assertEquals("F", f.name());
        assertEquals(2, f.bundles().size());
        Feature.Bundle a = f.bundles().get(0);
        assertEquals(new ArtifactId("g", "a", "1", "jar", null), a.artifact());
        assertEquals(Feature.DEFAULT_START_ORDER, a.startOrder());
        assertTrue(a.start());
        Feature.Bundle b = f.bundles().get(1);
        assertEquals(new ArtifactId("g", "b", "2", "zip", "cls"), b.artifact());
        assertEquals(3, b.startOrder());
        assertFalse(b.start());
        assertEquals("5", f.frameworkProperties().get("n"));
    }

    @Test
    public void artifactPathsFollowTheMavenLayout() {
        Path repo = Path.of("/r");
        assertEquals(Path.of("/r/org/apache/felix/org.apache.felix.scr/2.2.18/org.apache.felix.scr-2.2.18.jar"),
                ArtifactId.parse("org.apache.felix:org.apache.felix.scr:2.2.18").repositoryPath(repo));
        assertEquals(Path.of("/r/g/h/a/1/a-1-tests.jar"), ArtifactId.parse("g.h:a:jar:tests:1").repositoryPath(repo));
        assertEquals("g.h:a:jar:tests:1", ArtifactId.parse("g.h:a:jar:tests:1").toString());
    }

    @Test
    public void rejectsWhatItWouldNotApply() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("{ \"bundles\": [] }"))
                .getMessage().contains("missing string member \"id\""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("{ \"id\": \"g:f:1\", \"configurations\": {} }"))
                .getMessage().contains("conf/<pid>.cfg"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> parse("{ \"id\": \"g:f:1\", \"bundles\": [ { \"id\": \"g:a:1\", \"start-order\": 0 } ] }"))
                .getMessage().contains("start-order"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("{ \"id\": \"g:f:1\", \"bundles\": [ \"g::1\" ] }"))
                .getMessage().contains("bad artifact id 'g::1'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("{ \"id\": \"g:f:1\", \"feature-resource-version\": \"2.0\" }"))
                .getMessage().contains("unsupported feature-resource-version"));
    }

    @Test
    public void planInstallsEachBundleOnceOrderedByStartLevelThenFeatureOrder() {
        Feature one = parse("{ \"id\": \"g:one:1\", \"bundles\": [ {\"id\":\"g:late:1\",\"start-order\":5}, {\"id\":\"g:x:1\",\"start-order\":2}, {\"id\":\"g:y:1\",\"start-order\":2} ] }");
        Feature two = parse("{ \"id\": \"g:two:1\", \"bundles\": [ {\"id\":\"g:early:1\",\"start-order\":1}, {\"id\":\"g:x:1\",\"start-order\":3} ] }");
        List<String> ids = Provisioner.plan(List.of(one, two)).stream().map(b -> b.artifact().artifactId()).toList();
        assertEquals(List.of("early", "x", "y", "late"), ids);
    }

    @Test
    public void commentsAreAllowedAndMemberOrderIsKept() {
        Feature f = parse("""
                // a feature may explain itself
                { "id": "g:f:1", /* inline */ "bundles": [ "g:b:1", "g:a:1" ],
                  "framework-properties": { "z": "1", "a": null, "m": { "k": [1, 2.5] } } }
                """);
        assertEquals(List.of("b", "a"), f.bundles().stream().map(b -> b.artifact().artifactId()).toList());
        assertEquals("null", f.frameworkProperties().get("a"));
        assertEquals("{\"k\":[1,2.5]}", f.frameworkProperties().get("m"));
    }

    @Test
    public void malformedJsonSaysWhatAndWhere() {
        String message = assertThrows(IllegalArgumentException.class,
                () -> parse("{\n  \"id\": \"g:f:1\",\n  \"bundles\" [ ]\n}")).getMessage();
        assertTrue(message, message.endsWith(" at line 3, column 13"));
        assertTrue(message, message.contains("colon"));
        assertFalse("no parser internals in an operator's message: " + message, message.contains("Source:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("{ \"id\": \"g:f:1\", \"id\": \"g:f:2\" }"))
                .getMessage().contains("Duplicate field 'id'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("{ \"id\": \"g:f:1\" } x"))
                .getMessage().contains("at line 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("{ \"id\": \"g:f:1\", \"bundles\": [ \"g:a:1\","))
                .getMessage().contains("end-of-input"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("/* open"))
                .getMessage().contains("at line 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("[]"))
                .getMessage().contains("a feature must be a JSON object"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> parse("{ \"id\": \"g:f:1\", \"bundles\": [ { \"id\": \"g:a:1\", \"start-order\": 2.0 } ] }"))
                .getMessage().contains("whole number"));
    }

    @Test
    public void readNamesTheFile() throws Exception {
        Path file = Files.createTempFile("feature", ".json");
        try {
            Files.writeString(file, "{ \"id\": ");
            String message = assertThrows(IllegalArgumentException.class, () -> Feature.read(file)).getMessage();
            assertTrue(message, message.startsWith(file + ": "));
            assertTrue(message, message.contains("line 1"));
        } finally {
            Files.delete(file);
        }
    }
}
