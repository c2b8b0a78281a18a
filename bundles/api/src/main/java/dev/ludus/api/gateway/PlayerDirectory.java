package dev.ludus.api.gateway;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The players a gateway holds a session for: those connected, and those whose connection dropped
 * and who may still resume within the grace period. Provided by the gateway bundle while it runs.
 */
@ProviderType
public interface PlayerDirectory {

    /**
     * A snapshot of every session, ordered by player id. Thread safe and non-blocking: it reads
     * figures the gateway already keeps, so it may be asked often (each call walks every session
     * once). Nothing of it survives a restart of the gateway: sessions then start over, and the
     * players resume.
     */
    List<PlayerSessionInfo> players();
}
