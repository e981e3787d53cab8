"""The committee office: review of synced visits, follow-ups, check coverage, monthly pack, exports."""
