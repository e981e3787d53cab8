/* English words for the offline scripts (app.js, phone.js); loaded only on English pages,
   before them. The Chinese originals sit beside the code that uses them. */
'use strict';
self.LouzuWords = {
  waiting: 'Waiting on this phone: {n}', allSent: 'No entries waiting on this phone',
  sending: 'Uploading: {n}…', lastSync: 'last sync {t}', neverSynced: 'never synced',
  rejectedCount: 'sent back: {n}, please check', expired: 'Please log in again. Entries still on this phone: {n}',
  relogin: 'Log in again', offlineBanner: 'Offline · data as of {t}',
  saved: 'Saved on this phone; it uploads when there is signal',
  savedCorrected: 'Corrected and saved on this phone; it uploads when there is signal',
  editing: 'Correcting an entry that was sent back: {m}',
  stateWaiting: 'Waiting to upload', stateSending: 'Uploading…', stateRejected: 'Sent back: {m}',
  stateConflict: 'Conflicts with a change from another phone; both went to the office',
  edit: 'Correct', withdraw: 'Withdraw', dismiss: 'OK', openHousehold: 'Open household',
  visitTime: 'visit at {t}',
  dueWaiting: 'Visited · entry waiting to upload', dueWaitingCount: 'Visited, entry waiting on this phone: {n}',
  withdrawTitle: 'Withdraw this entry?',
  withdrawBody: 'This entry never reached the server. Withdrawing deletes it from this phone for good.',
  cancel: 'Cancel', logoutTitle: 'Entries not uploaded yet',
  logoutBody: 'Entries on this phone that have not reached the office: {n}. Logging out deletes them from this phone.',
  syncFirst: 'Sync first', logoutAnyway: 'Log out anyway', logoutOffline: 'No signal: cannot log out now. Try again with signal.',
  update: 'Update', newVersion: 'A new version is ready', offlineReady: 'Ready to work offline: your households open without signal',
  waitingOnLogin: 'Entries waiting on this phone: {n}. They upload after you log in.',
  revokedWiped: 'The pages and entries kept on this phone were cleared at the administrator\'s request.', listSep: ', ',
  type_answer: 'Answer to the office\'s question', type_roster_change: 'Change of residents',
  kind_routine: 'Routine visit', kind_elderly_check: 'Elderly check', kind_mediation: 'Mediation',
  kind_safety: 'Safety check', kind_assistance: 'Assistance', kind_other: 'Other',
  status_ok: 'All well', status_concern: 'Needs attention', status_urgent: 'Urgent',
  // phone.js
  yes: 'yes', no: 'no (may be cleared when the phone runs short of space)', ready: 'ready ({r})', notReady: 'not ready',
  entries: '{n}', megabytes: '{n} MB', pagesKept: 'pages: {n} (updated {t})', noPages: 'no pages kept yet',
  syncDone: 'Synced: nothing waits on this phone', syncLeft: 'Not uploaded yet: {n} ({why})',
  whyNetwork: 'no signal now; they upload when there is', whyServer: 'the server did not answer; retrying soon',
  whyLogin: 'please log in again', whyOther: 'retrying soon',
  otherUsers: 'Entries of another account waiting on this phone: {n}. They upload when that leader logs in.',
<<<<<<< HEAD
  // app.js and visits.js: entries in the visit lists, correcting and withdrawing
  stateSynced: 'Uploaded', uploaded: 'Saved and uploaded to the office', withdrawnMark: 'Withdrawn (this entry is void)',
  savedChanged: 'Changed and saved on this phone; it uploads when there is signal',
  changing: 'Changing this visit: press "Save visit" when done',
  withdrawSyncedBody: 'The entry will be marked "withdrawn" and left out of every count; the office still sees it.',
  sentBack: 'Entries sent back: {n}. Please correct them and save again',
=======
  // drafts.js
  draftRestored: 'What you typed last time and did not save is back in the form (a draft).', discardDraft: 'Discard the draft',
>>>>>>> taps
};
