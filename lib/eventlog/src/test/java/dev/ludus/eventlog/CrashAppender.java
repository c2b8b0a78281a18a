package dev.ludus.eventlog;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.NewEvent;

/**
 * The child process of {@link CrashRecoveryTest}: appends from many threads until it is killed,
 * and prints every acknowledged append to stdout, one line each, ending in " ." so a line cut by
 * the kill is recognisable:
 * <pre>
 * ack STREAM VERSION .     an append with expected version to STREAM was acknowledged up to VERSION
 * any TAG VERSION .        the ANY append tagged TAG to stream "shared" was acknowledged at VERSION
 * </pre>
 * Arguments: the log directory, the number of threads with expected versions, the number of
 * threads appending asynchronously with ANY.
 */
public final class CrashAppender {

    private CrashAppender() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int expectingThreads = Integer.parseInt(args[1]);
        int anyThreads = Integer.parseInt(args[2]);
        String run = Long.toString(ProcessHandle.current().pid());
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        EventLog log = EventLog.open(dir, LogSettings.defaults().withSegmentBytes(256 << 10), Clock.systemUTC());
        out.println("ready " + log.stats().events() + " " + log.stats().streams() + " .");
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < expectingThreads; t++) {
            int thread = t;
            threads.add(new Thread(() -> {
                for (long i = 0; ; i++) {
                    String stream = "t" + thread + "-" + (i % 5);
                    long v = log.version(stream);
                    int n = 1 + (int) (i % 4);
                    List<NewEvent> events = new ArrayList<>(n);
                    for (int k = 1; k <= n; k++) {
                        events.add(new NewEvent("e", (stream + "@" + (v + k)).getBytes(StandardCharsets.UTF_8)));
                    }
                    long got = log.append(stream, v, events);
                    out.println("ack " + stream + " " + got + " .");
                }
            }));
        }
        for (int t = 0; t < anyThreads; t++) {
            int thread = t;
            threads.add(new Thread(() -> {
                Semaphore inFlight = new Semaphore(64);
                for (long i = 0; ; i++) {
                    inFlight.acquireUninterruptibly();
                    String tag = "x" + run + "-" + thread + "-" + i;
                    log.appendAsync("shared", EventStore.ANY, List.of(new NewEvent("x", tag.getBytes(StandardCharsets.UTF_8))))
                            .whenComplete((version, error) -> {
                                inFlight.release();
                                if (error == null) {
                                    out.println("any " + tag + " " + version + " .");
                                }
                            });
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
    }
}
