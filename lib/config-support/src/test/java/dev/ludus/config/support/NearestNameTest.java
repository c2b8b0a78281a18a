package dev.ludus.config.support;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.util.List;
import java.util.Set;

import org.junit.Test;

public class NearestNameTest {

    @Test
    public void twoEditsAtMostOneForShortNamesCaseAsideAndNoTie() {
        Set<String> names = Set.of("maxMessageBytes", "shedding", "threads", "port");
        assertEquals("maxMessageBytes", NearestName.nearest("maxMesageBytes", names));
        assertEquals("a swap of neighbours is one edit", "shedding", NearestName.nearest("sehdding", names));
        assertEquals("case aside", "threads", NearestName.nearest("THREADS", names));
        assertEquals("port", NearestName.nearest("prt", names));
        assertNull("two edits in a short name are too many", NearestName.nearest("pr", names));
        assertNull("three edits", NearestName.nearest("maxMsgeBytes2", names));
        assertNull("a tie names nothing", NearestName.nearest("ab", Set.of("aa", "bb")));
        assertNull("the name itself is not a suggestion", NearestName.nearest("port", List.of("port")));
        assertNull("a dotted name is not offered for an undotted one", NearestName.nearest("limitertarget", Set.of("limiter.target")));
        assertEquals("ludus.features", NearestName.nearest("ludus.featurs", Set.of("ludus.features", "ludus.data"), 2));
    }

    @Test
    public void distanceStopsCountingPastItsLimit() {
        assertEquals(0, NearestName.distance("abc", "abc", 2));
        assertEquals(1, NearestName.distance("abc", "acb", 2));
        assertEquals(3, NearestName.distance("a", "abcdef", 2));
        assertEquals(2, NearestName.distance("kitten", "sitten2", 2));
    }
}
