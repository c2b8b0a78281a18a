package dev.ludus.gateway;

import static org.junit.Assert.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.Test;

/** Room events reach clients with the exact text they had when the envelope was joined by hand. */
public class ServerEventTest {

    private final Protocol protocol = new Protocol();

    @Test
    public void eventCarriesTheSharedDataAsItWasWritten() {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("seat", 2);
        data.put("pieces", List.of(5, 6));
        data.put("note", "say \"hi\"");
        String shared = protocol.sharedJson(data);
        assertEquals("{\"type\":\"event\",\"seq\":21,\"roomId\":\"r\\\"1\",\"v\":13,\"name\":\"played\","
                        + "\"data\":{\"seat\":2,\"pieces\":[5,6],\"note\":\"say \\\"hi\\\"\"}}",
                protocol.json(new ServerEvent.Event(21, "r\"1", 13, "played", shared)));
    }

    @Test
    public void roomAndStateKeepTheirMemberOrder() {
        Map<String, Object> room = new LinkedHashMap<>();
        room.put("id", "r1");
        room.put("players", List.of());
        assertEquals("{\"type\":\"room\",\"seq\":3,\"room\":{\"id\":\"r1\",\"players\":[]}}",
                protocol.json(new ServerEvent.Room(3, protocol.sharedJson(room))));
        assertEquals("{\"type\":\"state\",\"seq\":4,\"roomId\":\"r1\",\"v\":7,\"game\":null,\"allowedActions\":[\"play\"]}",
                protocol.json(new ServerEvent.State(4, "r1", 7, null, List.of("play"))));
    }
}
