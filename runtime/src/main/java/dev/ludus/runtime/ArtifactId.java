package dev.ludus.runtime;

import java.nio.file.Path;

/**
 * Maven coordinates as OSGi feature files write them:
 * {@code groupId:artifactId[:type[:classifier]]:version}; type defaults to {@code jar}.
 */
record ArtifactId(String groupId, String artifactId, String version, String type, String classifier) {

    static ArtifactId parse(String id) {
        String[] p = id.split(":", -1);
        for (String s : p) {
            if (s.isBlank()) {
                throw new IllegalArgumentException("bad artifact id '" + id
                        + "': expected groupId:artifactId[:type[:classifier]]:version");
            }
        }
        return switch (p.length) {
            case 3 -> new ArtifactId(p[0], p[1], p[2], "jar", null);
            case 4 -> new ArtifactId(p[0], p[1], p[3], p[2], null);
            case 5 -> new ArtifactId(p[0], p[1], p[4], p[2], p[3]);
            default -> throw new IllegalArgumentException("bad artifact id '" + id
                    + "': expected groupId:artifactId[:type[:classifier]]:version");
        };
    }

    /** Where the artifact lies in a Maven-layout repository such as {@code system/}. */
    Path repositoryPath(Path repository) {
        String file = artifactId + "-" + version + (classifier == null ? "" : "-" + classifier) + "." + type;
        return repository.resolve(groupId.replace('.', '/')).resolve(artifactId).resolve(version).resolve(file);
    }

    @Override
    public String toString() {
        return groupId + ":" + artifactId + (classifier == null ? (type.equals("jar") ? "" : ":" + type)
                : ":" + type + ":" + classifier) + ":" + version;
    }
}
