""" Contains all the data models used in inputs/outputs """

from .access import Access
from .access_request import AccessRequest
from .action_enum import ActionEnum
from .actor_field import ActorField
from .answer_enum import AnswerEnum
from .api_key import ApiKey
from .api_key_create_request import ApiKeyCreateRequest
from .api_key_created import ApiKeyCreated
from .audit_event import AuditEvent
from .audit_event_changes import AuditEventChanges
from .change import Change
from .connection import Connection
from .connection_attribute_mapping_type_0 import ConnectionAttributeMappingType0
from .connection_claim_mapping_type_0 import ConnectionClaimMappingType0
from .connection_protocol_enum import ConnectionProtocolEnum
from .decision_enum import DecisionEnum
from .delivery import Delivery
from .delivery_status_enum import DeliveryStatusEnum
from .digest import Digest
from .digest_changes import DigestChanges
from .digest_detail import DigestDetail
from .digest_import_files_request import DigestImportFilesRequest
from .digest_import_report import DigestImportReport
from .digest_licensed_source import DigestLicensedSource
from .digest_source import DigestSource
from .digest_source_out import DigestSourceOut
from .digest_sources_request import DigestSourcesRequest
from .digest_status_enum import DigestStatusEnum
from .digest_write_request import DigestWriteRequest
from .discover_input_request import DiscoverInputRequest
from .domain import Domain
from .domain_create_request import DomainCreateRequest
from .events_enum import EventsEnum
from .evidence import Evidence
from .evidence_upload_request import EvidenceUploadRequest
from .finding import Finding
from .group_role import GroupRole
from .group_role_request import GroupRoleRequest
from .import_outcome_enum import ImportOutcomeEnum
from .import_result import ImportResult
from .kind_enum import KindEnum
from .license_ import License
from .license_create_request import LicenseCreateRequest
from .license_status_enum import LicenseStatusEnum
from .license_use_enum import LicenseUseEnum
from .license_version import LicenseVersion
from .license_version_status_enum import LicenseVersionStatusEnum
from .me import Me
from .me_membership import MeMembership
from .me_role import MeRole
from .me_tenant import MeTenant
from .member import Member
from .member_invite_request import MemberInviteRequest
from .oidc_connection_write_protocol_enum import OidcConnectionWriteProtocolEnum
from .oidc_connection_write_request import OidcConnectionWriteRequest
from .oidc_connection_write_request_claim_mapping import OidcConnectionWriteRequestClaimMapping
from .origin_enum import OriginEnum
from .outcome_enum import OutcomeEnum
from .paginated_api_key_list import PaginatedApiKeyList
from .paginated_audit_event_list import PaginatedAuditEventList
from .paginated_connection_list import PaginatedConnectionList
from .paginated_delivery_list import PaginatedDeliveryList
from .paginated_digest_list import PaginatedDigestList
from .paginated_domain_list import PaginatedDomainList
from .paginated_license_list import PaginatedLicenseList
from .paginated_member_list import PaginatedMemberList
from .paginated_policy_list import PaginatedPolicyList
from .paginated_rights_holder_list import PaginatedRightsHolderList
from .paginated_role_list import PaginatedRoleList
from .paginated_source_list import PaginatedSourceList
from .paginated_webhook_list import PaginatedWebhookList
from .patched_connection_update_request import PatchedConnectionUpdateRequest
from .patched_connection_update_request_attribute_mapping import PatchedConnectionUpdateRequestAttributeMapping
from .patched_connection_update_request_claim_mapping import PatchedConnectionUpdateRequestClaimMapping
from .patched_digest_write_request import PatchedDigestWriteRequest
from .patched_member_update_request import PatchedMemberUpdateRequest
from .patched_policy_update_request import PatchedPolicyUpdateRequest
from .patched_rights_holder_write_request import PatchedRightsHolderWriteRequest
from .patched_role_update_request import PatchedRoleUpdateRequest
from .patched_source_write_request import PatchedSourceWriteRequest
from .patched_sso_settings_update_request import PatchedSsoSettingsUpdateRequest
from .patched_terms_request import PatchedTermsRequest
from .patched_webhook_write_request import PatchedWebhookWriteRequest
from .permission_entry import PermissionEntry
from .permissions_enum import PermissionsEnum
from .policy import Policy
from .policy_create_request import PolicyCreateRequest
from .policy_decision import PolicyDecision
from .problem import Problem
from .problem_errors_item import ProblemErrorsItem
from .publish_request import PublishRequest
from .report import Report
from .report_summary import ReportSummary
from .request_field import RequestField
from .review_out import ReviewOut
from .review_request import ReviewRequest
from .rights import Rights
from .rights_holder import RightsHolder
from .rights_holder_write_request import RightsHolderWriteRequest
from .role import Role
from .role_write_request import RoleWriteRequest
from .rollback_request import RollbackRequest
from .saml_connection_write_protocol_enum import SamlConnectionWriteProtocolEnum
from .saml_connection_write_request import SamlConnectionWriteRequest
from .saml_connection_write_request_attribute_mapping import SamlConnectionWriteRequestAttributeMapping
from .section import Section
from .section_request import SectionRequest
from .simulate_request import SimulateRequest
from .simulation import Simulation
from .simulation_after import SimulationAfter
from .simulation_before import SimulationBefore
from .simulation_changes_item import SimulationChangesItem
from .source import Source
from .source_license_status_enum import SourceLicenseStatusEnum
from .source_request import SourceRequest
from .source_rights import SourceRights
from .source_write_request import SourceWriteRequest
from .sso_discovery import SsoDiscovery
from .sso_settings import SsoSettings
from .subsection import Subsection
from .subsection_request import SubsectionRequest
from .target_field import TargetField
from .tenants_audit_events_export_retrieve_export_format import TenantsAuditEventsExportRetrieveExportFormat
from .tenants_audit_events_list_outcome import TenantsAuditEventsListOutcome
from .tenants_digests_export_export_format import TenantsDigestsExportExportFormat
from .tenants_digests_export_one_export_format import TenantsDigestsExportOneExportFormat
from .tenants_digests_list_ordering import TenantsDigestsListOrdering
from .tenants_digests_list_status import TenantsDigestsListStatus
from .tenants_licensing_licenses_list_status import TenantsLicensingLicensesListStatus
from .tenants_licensing_reports_bill_of_sources_retrieve_export_format import TenantsLicensingReportsBillOfSourcesRetrieveExportFormat
from .tenants_licensing_reports_digests_at_risk_retrieve_export_format import TenantsLicensingReportsDigestsAtRiskRetrieveExportFormat
from .tenants_licensing_reports_digests_at_risk_retrieve_use import TenantsLicensingReportsDigestsAtRiskRetrieveUse
from .tenants_licensing_reports_expiring_retrieve_export_format import TenantsLicensingReportsExpiringRetrieveExportFormat
from .tenants_licensing_reports_publishers_retrieve_export_format import TenantsLicensingReportsPublishersRetrieveExportFormat
from .tenants_licensing_reports_sources_retrieve_export_format import TenantsLicensingReportsSourcesRetrieveExportFormat
from .tenants_licensing_reports_sources_retrieve_status import TenantsLicensingReportsSourcesRetrieveStatus
from .tenants_licensing_sources_list_kind import TenantsLicensingSourcesListKind
from .tenants_licensing_sources_rights_retrieve_use_item import TenantsLicensingSourcesRightsRetrieveUseItem
from .tenants_webhook_deliveries_list_event import TenantsWebhookDeliveriesListEvent
from .tenants_webhook_deliveries_list_status import TenantsWebhookDeliveriesListStatus
from .type_enum import TypeEnum
from .user_summary import UserSummary
from .verify import Verify
from .verify_first_broken_type_0 import VerifyFirstBrokenType0
from .version import Version
from .webhook import Webhook
from .webhook_created import WebhookCreated
from .webhook_write_request import WebhookWriteRequest

__all__ = (
    "Access",
    "AccessRequest",
    "ActionEnum",
    "ActorField",
    "AnswerEnum",
    "ApiKey",
    "ApiKeyCreated",
    "ApiKeyCreateRequest",
    "AuditEvent",
    "AuditEventChanges",
    "Change",
    "Connection",
    "ConnectionAttributeMappingType0",
    "ConnectionClaimMappingType0",
    "ConnectionProtocolEnum",
    "DecisionEnum",
    "Delivery",
    "DeliveryStatusEnum",
    "Digest",
    "DigestChanges",
    "DigestDetail",
    "DigestImportFilesRequest",
    "DigestImportReport",
    "DigestLicensedSource",
    "DigestSource",
    "DigestSourceOut",
    "DigestSourcesRequest",
    "DigestStatusEnum",
    "DigestWriteRequest",
    "DiscoverInputRequest",
    "Domain",
    "DomainCreateRequest",
    "EventsEnum",
    "Evidence",
    "EvidenceUploadRequest",
    "Finding",
    "GroupRole",
    "GroupRoleRequest",
    "ImportOutcomeEnum",
    "ImportResult",
    "KindEnum",
    "License",
    "LicenseCreateRequest",
    "LicenseStatusEnum",
    "LicenseUseEnum",
    "LicenseVersion",
    "LicenseVersionStatusEnum",
    "Me",
    "Member",
    "MemberInviteRequest",
    "MeMembership",
    "MeRole",
    "MeTenant",
    "OidcConnectionWriteProtocolEnum",
    "OidcConnectionWriteRequest",
    "OidcConnectionWriteRequestClaimMapping",
    "OriginEnum",
    "OutcomeEnum",
    "PaginatedApiKeyList",
    "PaginatedAuditEventList",
    "PaginatedConnectionList",
    "PaginatedDeliveryList",
    "PaginatedDigestList",
    "PaginatedDomainList",
    "PaginatedLicenseList",
    "PaginatedMemberList",
    "PaginatedPolicyList",
    "PaginatedRightsHolderList",
    "PaginatedRoleList",
    "PaginatedSourceList",
    "PaginatedWebhookList",
    "PatchedConnectionUpdateRequest",
    "PatchedConnectionUpdateRequestAttributeMapping",
    "PatchedConnectionUpdateRequestClaimMapping",
    "PatchedDigestWriteRequest",
    "PatchedMemberUpdateRequest",
    "PatchedPolicyUpdateRequest",
    "PatchedRightsHolderWriteRequest",
    "PatchedRoleUpdateRequest",
    "PatchedSourceWriteRequest",
    "PatchedSsoSettingsUpdateRequest",
    "PatchedTermsRequest",
    "PatchedWebhookWriteRequest",
    "PermissionEntry",
    "PermissionsEnum",
    "Policy",
    "PolicyCreateRequest",
    "PolicyDecision",
    "Problem",
    "ProblemErrorsItem",
    "PublishRequest",
    "Report",
    "ReportSummary",
    "RequestField",
    "ReviewOut",
    "ReviewRequest",
    "Rights",
    "RightsHolder",
    "RightsHolderWriteRequest",
    "Role",
    "RoleWriteRequest",
    "RollbackRequest",
    "SamlConnectionWriteProtocolEnum",
    "SamlConnectionWriteRequest",
    "SamlConnectionWriteRequestAttributeMapping",
    "Section",
    "SectionRequest",
    "SimulateRequest",
    "Simulation",
    "SimulationAfter",
    "SimulationBefore",
    "SimulationChangesItem",
    "Source",
    "SourceLicenseStatusEnum",
    "SourceRequest",
    "SourceRights",
    "SourceWriteRequest",
    "SsoDiscovery",
    "SsoSettings",
    "Subsection",
    "SubsectionRequest",
    "TargetField",
    "TenantsAuditEventsExportRetrieveExportFormat",
    "TenantsAuditEventsListOutcome",
    "TenantsDigestsExportExportFormat",
    "TenantsDigestsExportOneExportFormat",
    "TenantsDigestsListOrdering",
    "TenantsDigestsListStatus",
    "TenantsLicensingLicensesListStatus",
    "TenantsLicensingReportsBillOfSourcesRetrieveExportFormat",
    "TenantsLicensingReportsDigestsAtRiskRetrieveExportFormat",
    "TenantsLicensingReportsDigestsAtRiskRetrieveUse",
    "TenantsLicensingReportsExpiringRetrieveExportFormat",
    "TenantsLicensingReportsPublishersRetrieveExportFormat",
    "TenantsLicensingReportsSourcesRetrieveExportFormat",
    "TenantsLicensingReportsSourcesRetrieveStatus",
    "TenantsLicensingSourcesListKind",
    "TenantsLicensingSourcesRightsRetrieveUseItem",
    "TenantsWebhookDeliveriesListEvent",
    "TenantsWebhookDeliveriesListStatus",
    "TypeEnum",
    "UserSummary",
    "Verify",
    "VerifyFirstBrokenType0",
    "Version",
    "Webhook",
    "WebhookCreated",
    "WebhookWriteRequest",
)
