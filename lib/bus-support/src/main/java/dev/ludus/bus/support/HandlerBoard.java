package dev.ludus.bus.support;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.osgi.framework.ServiceReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.bus.MessageHandler;

/**
 * The {@link MessageHandler} services a bus delivers to (the whiteboard): each read once into a
 * {@link Subscriber} from its service properties, or refused with the reason (code
 * {@code bus_handler_refused}, shown by the bus's health). A bus component forwards its dynamic
 * reference's bind and unbind here and is told, through {@link Listener}, which subscribers come
 * and go; {@link #current()} gives the ones bound before the bus itself could deliver.
 */
public final class HandlerBoard {

    /** What the bus does when a handler comes or goes. Called outside the board's lock. */
    public interface Listener {
        void subscribe(Subscriber s);

        void unsubscribe(Object identity);
    }

    private static final Logger LOG = LoggerFactory.getLogger(HandlerBoard.class);

    private final String busName;
    private final Map<ServiceReference<MessageHandler>, Subscriber> handlers = new LinkedHashMap<>();
    private final Map<ServiceReference<MessageHandler>, String> refused = new LinkedHashMap<>();
    private volatile Listener listener;

    /** @param busName for logs ({@code local bus}, {@code NATS bus}) */
    public HandlerBoard(String busName) {
        this.busName = busName;
    }

    /** Where subscribers go from now on (null: nowhere, while the bus is not running). */
    public void listen(Listener l) {
        listener = l;
    }

    public void bind(ServiceReference<MessageHandler> ref, MessageHandler handler) {
        Subscriber s;
        try {
            s = subscriber(ref, handler);
        } catch (RuntimeException e) {
            LOG.error("{}: handler {} of {} refused (code bus_handler_refused): {}", busName,
                    handler.getClass().getName(), ref.getBundle().getSymbolicName(), e.getMessage());
            synchronized (this) {
                refused.put(ref, ref.getBundle().getSymbolicName() + ": " + e.getMessage());
            }
            return;
        }
        synchronized (this) {
            handlers.put(ref, s);
        }
        Listener l = listener;
        if (l != null) {
            l.subscribe(s);
        }
    }

    public void unbind(ServiceReference<MessageHandler> ref) {
        Subscriber s;
        synchronized (this) {
            s = handlers.remove(ref);
            refused.remove(ref);
        }
        Listener l = listener;
        if (s != null && l != null) {
            l.unsubscribe(ref);
        }
    }

    /** The subscribers bound now, in binding order. */
    public synchronized List<Subscriber> current() {
        return new ArrayList<>(handlers.values());
    }

    /** Each refused handler: its bundle and why. */
    public synchronized List<String> refused() {
        return new ArrayList<>(refused.values());
    }

    /** Calls {@code action} for each subscriber bound now. */
    public void forEach(Consumer<Subscriber> action) {
        current().forEach(action);
    }

    /**
     * A handler's group and settings from its service properties.
     *
     * @throws IllegalArgumentException naming the property that is wrong
     */
    public static Subscriber subscriber(ServiceReference<MessageHandler> ref, MessageHandler handler) {
        Object group = ref.getProperty(MessageHandler.GROUP);
        if (!(group instanceof String g)) {
            throw new IllegalArgumentException("the service property " + MessageHandler.GROUP + " must be a text");
        }
        List<String> topics = texts(ref.getProperty(MessageHandler.TOPICS));
        int max = (int) number(ref.getProperty(MessageHandler.MAX_DELIVERIES), Subscriber.DEFAULT_MAX_DELIVERIES,
                MessageHandler.MAX_DELIVERIES);
        long backoff = number(ref.getProperty(MessageHandler.BACKOFF_MILLIS), Subscriber.DEFAULT_BACKOFF_MILLIS,
                MessageHandler.BACKOFF_MILLIS);
        long maxBackoff = number(ref.getProperty(MessageHandler.MAX_BACKOFF_MILLIS),
                Math.max(backoff, Subscriber.DEFAULT_MAX_BACKOFF_MILLIS), MessageHandler.MAX_BACKOFF_MILLIS);
        return new Subscriber(ref, g, topics, handler, max, backoff, maxBackoff, ref.getBundle().getSymbolicName(),
                ref.getBundle().getVersion().toString());
    }

    private static List<String> texts(Object value) {
        if (value instanceof String s) {
            return Arrays.stream(s.split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList();
        }
        if (value instanceof String[] a) {
            return Arrays.stream(a).map(String::trim).toList();
        }
        if (value instanceof Collection<?> c) {
            return c.stream().map(String::valueOf).map(String::trim).toList();
        }
        throw new IllegalArgumentException("the service property " + MessageHandler.TOPICS + " must name the topics");
    }

    private static long number(Object value, long otherwise, String name) {
        if (value == null) {
            return otherwise;
        }
        if (value instanceof Number n) {
            return n.longValue();
        }
        try {
            return Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the service property " + name + " must be a number, got '" + value + "'");
        }
    }
}
