"""The states of an application, and how each maps to the OSS-RBA and BLDS vocabularies.

OSS `kd_status` codes are PIA OSS-RBA v4.3.22 Lampiran 10 (domain.md §3.4); a state with no OSS counterpart
maps to null. BLDS `StatusCurrentMapped` values are BLDS v1.2's (domain.md §3.7); a draft is not published.
Transitions also carry their own OSS code in the history (41 when returned for correction: SLA stopped, 42
when the applicant answers: SLA resumes), because OSS reports events, not only states.
"""

from enum import StrEnum

from siantar_permits.permit_type.schemas import Stage


class State(StrEnum):
    draft = "draft"
    submitted = "submitted"  # waiting for the completeness check (FO)
    returned = "returned"  # back with the applicant for correction; SLA paused
    verification = "verification"  # BO checks the content
    technical_review = "technical_review"  # recommendation task in the technical OPD's inbox
    inspection = "inspection"
    fee_assessment = "fee_assessment"
    awaiting_payment = "awaiting_payment"
    approval = "approval"  # the approval chain, level by level
    deemed_approved = "deemed_approved"  # fiktif positif: silence past the SLA
    issued = "issued"
    rejected = "rejected"
    withdrawn = "withdrawn"
    expired = "expired"
    revoked = "revoked"
    renewed = "renewed"  # superseded by a renewal that was issued
    tracked = "tracked"  # processed in an external system (SIMBG/OSS): see external_status


OPEN_STATES = frozenset(
    {
        State.submitted,
        State.returned,
        State.verification,
        State.technical_review,
        State.inspection,
        State.fee_assessment,
        State.awaiting_payment,
        State.approval,
        State.deemed_approved,
    }
)
FINAL_STATES = frozenset({State.rejected, State.withdrawn, State.expired, State.revoked, State.renewed})

STAGE_OF: dict[State, Stage] = {
    State.submitted: Stage.completeness,
    State.returned: Stage.completeness,
    State.verification: Stage.verification,
    State.technical_review: Stage.technical_review,
    State.inspection: Stage.inspection,
    State.fee_assessment: Stage.fee_assessment,
    State.approval: Stage.approval,
}
# stages where an undecided application is deemed approved (fiktif positif) if the type says so
DECISION_STAGES = frozenset({Stage.verification, Stage.technical_review, Stage.approval})

OSS_STATUS: dict[State, str | None] = {
    State.draft: None,
    State.submitted: "09",  # Telah melengkapi persyaratan
    State.returned: "41",  # Konfirmasi persyaratan: SLA clock stopped
    State.verification: "10",  # Dokumen lengkap
    State.technical_review: "20",  # Validasi
    State.inspection: "40",  # Inspeksi
    State.fee_assessment: "30",  # Verifikasi pembayaran
    State.awaiting_payment: "31",  # Konfirmasi pembayaran
    State.approval: "45",  # Persyaratan terverifikasi (dinas teknis): awaiting the decision
    State.deemed_approved: "57",  # auto-approved (fiktif positif)
    State.issued: "50",  # Disetujui
    State.rejected: "90",  # Ditolak
    State.withdrawn: None,  # no OSS code: the applicant's own withdrawal
    State.expired: None,
    State.revoked: None,  # revocation is reported on the licence, not as a status code
    State.renewed: None,
    State.tracked: None,  # the external system's own code is kept in external_status
}
TRANSITION_OSS_STATUS = {
    "return": "41",  # Konfirmasi persyaratan: SLA stopped
    "resubmit": "42",  # Data konfirmasi persyaratan: SLA resumes
    "recommend": "45",
    "reject_recommendation": "93",  # Penolakan persyaratan (dinas teknis)
    "payment": "33",  # Persetujuan pembayaran
    "issue": "50",
    "deem_approved": "57",
}

BLDS_STATUS: dict[State, str | None] = {
    State.draft: None,
    State.submitted: "Application Accepted",
    State.returned: "Application Accepted",
    State.verification: "In Review",
    State.technical_review: "In Review",
    State.inspection: "Inspection Phase",
    State.fee_assessment: "Fees/Payment",
    State.awaiting_payment: "Fees/Payment",
    State.approval: "In Review",
    State.deemed_approved: "Permit Issued",
    State.issued: "Permit Issued",
    State.rejected: "Permit Cancelled",
    State.withdrawn: "Permit Cancelled",
    State.expired: "Permit Finaled",
    State.revoked: "Permit Cancelled",
    State.renewed: "Permit Finaled",
    State.tracked: None,  # mapped from the external status by the adapter
}
