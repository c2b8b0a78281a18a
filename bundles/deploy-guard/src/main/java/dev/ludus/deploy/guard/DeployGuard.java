package dev.ludus.deploy.guard;

import java.util.Hashtable;

import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.annotation.bundle.Header;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;

/**
 * Registers {@link TwinJars} with FileInstall, ranked ahead of FileInstall's own handling of
 * bundles.
 *
 * <p>A plain activator, not a component: the bundle starts at level 2 just before FileInstall, so
 * that the installer is in place for FileInstall's first scan of {@code deploy/} (a jar left there
 * while the node was down), and nothing here may wait for Declarative Services to get to it.
 */
@Header(name = Constants.BUNDLE_ACTIVATOR, value = "${@class}")
public final class DeployGuard implements BundleActivator {

    private ServiceRegistration<ArtifactInstaller> registration;

    @Override
    public void start(BundleContext context) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(Constants.SERVICE_RANKING, Integer.MAX_VALUE);
        props.put(Constants.SERVICE_DESCRIPTION,
                "Leaves alone a jar whose bundle name and version are installed already from elsewhere");
        registration = context.registerService(ArtifactInstaller.class, new TwinJars(context), props);
    }

    @Override
    public void stop(BundleContext context) {
        ServiceRegistration<ArtifactInstaller> r = registration;
        registration = null;
        if (r != null) {
            try {
                r.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
        }
    }
}
