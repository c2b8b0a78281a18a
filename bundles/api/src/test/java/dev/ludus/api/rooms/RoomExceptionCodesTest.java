package dev.ludus.api.rooms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Test;

/**
 * The refusal codes are a contract with clients: the constants, the protocol's error table
 * (docs/protocol.md) and the rooms bundle's README must name the same codes.
 */
public class RoomExceptionCodesTest {

    private static final Pattern CODE = Pattern.compile("`([a-z][a-z_]*)`");

    /** The values of RoomException's public constants. */
    private static Set<String> constants() throws IllegalAccessException {
        Set<String> codes = new TreeSet<>();
        for (Field f : RoomException.class.getDeclaredFields()) {
            int mod = f.getModifiers();
            if (Modifier.isPublic(mod) && Modifier.isStatic(mod) && Modifier.isFinal(mod) && f.getType() == String.class) {
                String code = (String) f.get(null);
                assertEquals(f.getName() + " is its code in capitals", f.getName(), code.toUpperCase());
                assertTrue("codes are distinct: " + code, codes.add(code));
            }
        }
        return codes;
    }

    private static Set<String> codesIn(String text) {
        Set<String> codes = new TreeSet<>();
        Matcher m = CODE.matcher(text);
        while (m.find()) {
            codes.add(m.group(1));
        }
        return codes;
    }

    /** The file at a path of the source tree; tests run in the module's folder, bundles/api. */
    private static String read(String fromRoot) throws IOException {
        return Files.readString(Path.of("../..").resolve(fromRoot));
    }

    @Test
    public void theRefusalCodesAreTheOnesDocumented() throws Exception {
        Set<String> constants = constants();
        assertEquals(16, constants.size());

        String readme = read("bundles/rooms/README.md");
        int from = readme.indexOf("Error codes (`RoomException.code()`):");
        assertTrue("the rooms README lists the codes", from >= 0);
        String list = readme.substring(from + "Error codes (`RoomException.code()`):".length(), readme.indexOf("Rejected", from));
        assertEquals("the rooms README's list", constants, codesIn(list));

        String protocol = read("docs/protocol.md");
        int errors = protocol.indexOf("\n## Errors");
        assertTrue("docs/protocol.md has its error table", errors >= 0);
        String table = protocol.substring(errors, protocol.indexOf("\n## ", errors + 1));
        Set<String> documented = codesIn(table);
        for (String code : constants) {
            assertTrue("docs/protocol.md's error table explains " + code, documented.contains(code));
        }
        String roomRow = table.lines().filter(l -> l.startsWith("| room codes")).findFirst().orElseThrow();
        Set<String> rowCodes = codesIn(roomRow);
        rowCodes.removeAll(constants);
        assertEquals("codes of the table's room row that are not RoomException's", Set.of(), rowCodes);
    }

    @Test
    public void theWireValuesStayAsTheyWere() {
        // Clients match these strings; a constant's value never changes.
        assertEquals("no_such_room", RoomException.NO_SUCH_ROOM);
        assertEquals("game_paused", RoomException.GAME_PAUSED);
        assertEquals("unavailable", RoomException.UNAVAILABLE);
        assertEquals("too_many_rooms", RoomException.TOO_MANY_ROOMS);
        assertEquals("not_in_room", RoomException.NOT_IN_ROOM);
        assertEquals("game_over", RoomException.GAME_OVER);
        assertEquals("bad_cursor", RoomException.BAD_CURSOR);
        assertEquals("room_paused", RoomException.ROOM_PAUSED);
        assertEquals("not_paused", RoomException.NOT_PAUSED);
        assertEquals("no_such_room", new RoomException(RoomException.NO_SUCH_ROOM, "no room x").code());
    }
}
