package dev.ludus.log.bridge;

import org.osgi.annotation.bundle.Header;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.log.LogReaderService;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Listens to every OSGi Log Service there is and hands its entries to a {@link Forwarder} that
 * writes those at WARN and above to SLF4J, that is to the node's log.
 *
 * <p>A plain activator at start level 2, right after the Log Service: Declarative Services,
 * ConfigAdmin and FileInstall start after it, so what they report is in the node's log from their
 * first line, and nothing here waits for Declarative Services.
 */
@Header(name = Constants.BUNDLE_ACTIVATOR, value = "${@class}")
public final class LogBridge implements BundleActivator {

    private ServiceTracker<LogReaderService, LogReaderService> tracker;

    @Override
    public void start(BundleContext context) {
        Forwarder forwarder = new Forwarder(Forwarder.SLF4J, System::currentTimeMillis);
        tracker = new ServiceTracker<>(context, LogReaderService.class, null) {
            @Override
            public LogReaderService addingService(ServiceReference<LogReaderService> reference) {
                LogReaderService reader = super.addingService(reference);
                if (reader != null) {
                    reader.addLogListener(forwarder);
                }
                return reader;
            }

            @Override
            public void removedService(ServiceReference<LogReaderService> reference, LogReaderService reader) {
                try {
                    reader.removeLogListener(forwarder);
                } catch (RuntimeException e) {
                    // the Log Service is going away with its bundle
                }
                super.removedService(reference, reader);
            }
        };
        tracker.open();
    }

    @Override
    public void stop(BundleContext context) {
        ServiceTracker<LogReaderService, LogReaderService> t = tracker;
        tracker = null;
        if (t != null) {
            t.close();
        }
    }
}
