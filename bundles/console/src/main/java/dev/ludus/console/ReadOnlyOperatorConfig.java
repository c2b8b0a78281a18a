package dev.ludus.console;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Ludus console read-only operator",
        description = "A second Web Console login that may look at every page but change nothing: any request"
                + " of this user other than GET, HEAD or OPTIONS is refused 403 (read_only). Off unless this"
                + " configuration exists.")
public @interface ReadOnlyOperatorConfig {

    String PID = "dev.ludus.console.readonly";

    @AttributeDefinition(name = "User", description = "Login name of the read-only operator; not the console's"
            + " own user. 1 to 64 characters, no colon, no control characters.")
    String user() default "viewer";

    @AttributeDefinition(name = "Password", type = AttributeType.PASSWORD,
            description = "Its password in a form the Web Console accepts for its own: plain text, {sha-256}base64 of"
                    + " the digest, or {sha-256}salt-iterations-base64 as the console writes. Empty: nobody logs in"
                    + " as this user.")
    String password() default "";
}
