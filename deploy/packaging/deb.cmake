# The Debian package (`make package`, CPack): the binary, a man page generated from --help, the systemd unit of
# the monitor, the configuration under /etc/eks-sre-mcp and the examples.
set(EKS_PACKAGING_DIR "${CMAKE_CURRENT_LIST_DIR}")
set(EKS_MANPAGE "${CMAKE_BINARY_DIR}/eks-sre-mcp.1.gz")
add_custom_command(
  OUTPUT "${EKS_MANPAGE}"
  COMMAND "${EKS_PACKAGING_DIR}/manpage.sh" "$<TARGET_FILE:eks-sre-mcp>" "${EKS_MANPAGE}"
  DEPENDS eks-sre-mcp "${EKS_PACKAGING_DIR}/manpage.sh"
  COMMENT "Generating the man page from eks-sre-mcp --help"
  VERBATIM)
add_custom_target(eks_manpage ALL DEPENDS "${EKS_MANPAGE}")

install(TARGETS eks-sre-mcp RUNTIME DESTINATION bin)
install(FILES "${EKS_MANPAGE}" DESTINATION share/man/man1)
install(FILES "${EKS_PACKAGING_DIR}/debian/eks-sre-mcp.service" DESTINATION lib/systemd/system)
install(FILES "${EKS_PACKAGING_DIR}/debian/config.yaml" "${PROJECT_SOURCE_DIR}/deploy/base/policy.yaml"
        DESTINATION /etc/eks-sre-mcp)
install(FILES "${PROJECT_SOURCE_DIR}/examples/config.yaml" "${PROJECT_SOURCE_DIR}/examples/policy.yaml"
              "${PROJECT_SOURCE_DIR}/examples/cluster-context.md" "${PROJECT_SOURCE_DIR}/examples/.mcp.json"
              "${PROJECT_SOURCE_DIR}/examples/claude_desktop_config.json"
        DESTINATION share/doc/eks-sre-mcp/examples)
install(FILES "${PROJECT_SOURCE_DIR}/README.md" DESTINATION share/doc/eks-sre-mcp)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME eks-sre-mcp)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "eks-sre-mcp maintainers <eks-sre-mcp@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "MCP server of SRE tools for Kubernetes and EKS")
set(CPACK_PACKAGE_DESCRIPTION
    "Diagnoses a cluster, finds a failing pod's root cause in its logs, proposes and applies remediations behind a deterministic safety policy with an audit log, and monitors the cluster as a systemd service.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The default Kubernetes upstream runs with npx.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "nodejs, npm")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "kubernetes-client")
# Files under /etc are the administrator's: an upgrade keeps their changes.
file(WRITE "${CMAKE_BINARY_DIR}/deb-control/conffiles" "/etc/eks-sre-mcp/config.yaml\n/etc/eks-sre-mcp/policy.yaml\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${CMAKE_BINARY_DIR}/deb-control/conffiles")
include(CPack)
