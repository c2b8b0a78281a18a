/*
 * The Ludus browser client: the lobby, a room's seats, and the game, over the WebSocket protocol
 * at /ws (see docs/protocol.md). Games render through window.LudusGames[gameType]; a game with no
 * renderer gets a generic view. Reconnects by itself and resumes with its token.
 */
(function () {
  'use strict';

  const STORE = window.localStorage;
  // Reconnecting: the first retry at once-ish, then doubling up to RETRY_CAP_MS, each with ±15 %
  // jitter, so a client is back within a second of the server being reachable again. After a close
  // for flooding (4003) the server asks for a pause.
  const RETRY_FIRST_MS = 100;
  const RETRY_CAP_MS = 600;
  const FLOOD_PAUSE_MS = 5000;
  // A socket that is not open with its hello answered in CONNECT_TIMEOUT_MS, or stays silent for
  // PING_AFTER_MS and then does not answer a ping within PING_TIMEOUT_MS, is dead even if the
  // browser has not noticed.
  const CONNECT_TIMEOUT_MS = 5000;
  const PING_AFTER_MS = 3000;
  const PING_TIMEOUT_MS = 3000;
  const NOTICE_MS = 4000;
  const ERROR_NOTICE_MS = 9000;
  // The seq a page once kept in localStorage: it belongs to the state of a page that is gone.
  STORE.removeItem('ludus.lastSeq');

  const s = {
    ws: null,
    // Several nodes: the node a room_elsewhere answer sent this page to (null: the page's own
    // server), the game being looked for, and how the searches went (for the curious and the tests).
    nodeUrl: null,
    finding: null,
    // A table to make once connected to the node a create_elsewhere answer named, and how many
    // times in a row the page was sent on (at most twice).
    pendingCreate: null,
    createHops: 0,
    searches: { began: 0, found: 0, followed: 0, waited: 0 },
    status: 'offline',
    nextId: 1,
    pending: new Map(),
    token: STORE.getItem('ludus.token'),
    // The seq of the last event applied to this page's state; kept in memory only, as it means
    // something only together with that state (a fresh page asks for a snapshot instead).
    lastSeq: 0,
    haveState: false,
    playerId: null,
    name: STORE.getItem('ludus.name') || '',
    room: null,
    seat: -1,
    game: null,
    allowed: [],
    result: null,
    log: [],
    rooms: [],
    // Lobby paging: the cursor of the page shown (null: the first), the next page's, and the way back.
    lobbyCursor: null,
    lobbyNext: null,
    lobbyBack: [],
    // Statistics shown in the lobby: the player's profile and recent games, and the leaderboard;
    // statsError is the text shown instead while the server cannot answer.
    profile: null,
    history: [],
    board: [],
    statsError: null,
    // The finished game being replayed move by move (from the lobby's history or a #replay= link):
    // { game, at (the step shown), timer (while playing) }, or null.
    replay: null,
    retry: 0,
    retryTimer: null,
    openedAt: 0,
    heardAt: 0,
    pingSentAt: 0,
    awaitingSnapshot: true,
    replaced: false,
    // The reason an operator gave when closing this connection (4004); while set, no reconnect.
    kicked: null,
    busy: false,
    // Room messages waiting to be shown (see enqueue), and the timer of the next.
    queue: [],
    queueTimer: null,
    ui: {}
  };

  const $ = (sel) => document.querySelector(sel);
  const esc = (v) => String(v == null ? '' : v).replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'
  }[c]));

  let noticeTimer = null;

  /** Shows a line in the footer; it fades after a few seconds (errors stay a little longer). */
  function notice(text, isError) {
    const n = $('#notice');
    clearTimeout(noticeTimer);
    n.textContent = text || '';
    n.className = isError ? 'error' : '';
    if (text) {
      noticeTimer = setTimeout(() => {
        n.className += ' faded';
        noticeTimer = setTimeout(() => {
          n.textContent = '';
          n.className = '';
        }, 600);
      }, isError ? ERROR_NOTICE_MS : NOTICE_MS);
    }
  }

  const online = () => s.status === 'connected';

  function setStatus(status) {
    if (s.status === status) {
      return;
    }
    s.status = status;
    const el = $('#status');
    el.textContent = status;
    el.className = 'status ' + status;
    el.dataset.status = status;
    const banner = $('#banner');
    if (status === 'replaced') {
      banner.innerHTML = 'This game is open in another tab or window. '
        + '<button id="play-here" type="button">Play here instead</button>';
      banner.hidden = false;
      $('#play-here').onclick = playHere;
    } else if (status === 'disconnected') {
      // The operator's reason is text chosen by a person: set as text, never as HTML.
      banner.textContent = '';
      const why = document.createElement('span');
      why.id = 'kicked-reason';
      why.textContent = 'Disconnected by an operator: ' + (s.kicked || 'no reason given') + '.';
      const again = document.createElement('button');
      again.id = 'reconnect';
      again.type = 'button';
      again.textContent = 'Reconnect';
      again.onclick = reconnectAfterKick;
      banner.append(why, again);
      banner.hidden = false;
    } else if (status === 'reconnecting' || status === 'offline') {
      banner.textContent = 'Offline — reconnecting…';
      banner.hidden = false;
    } else {
      banner.hidden = true;
      banner.textContent = '';
    }
    render();
  }

  // ------------------------------------------------------------------ connection

  function connect() {
    clearTimeout(s.retryTimer);
    s.retryTimer = null;
    if (s.replaced || s.kicked !== null || s.ws) {
      return;
    }
    setStatus(s.retry === 0 && !s.haveState ? 'connecting' : 'reconnecting');
    // Several nodes: the node a room_elsewhere answer named, for this one connection's life;
    // otherwise the server the page came from (a load balancer, in a cluster).
    const url = s.nodeUrl || (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
    s.helloAnswered = false;
    const ws = new WebSocket(url);
    s.ws = ws;
    s.openedAt = Date.now();
    s.heardAt = 0;
    s.pingSentAt = 0;
    ws.onopen = () => {
      if (s.ws === ws) {
        hello();
      }
    };
    ws.onmessage = (e) => {
      if (s.ws !== ws) {
        return;
      }
      s.heardAt = Date.now();
      let m;
      try {
        m = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      onMessage(m);
    };
    ws.onclose = (e) => {
      if (s.ws === ws) {
        lost(e.code, e.reason);
      }
    };
  }

  /** Gives up on the current socket (dead, or the network is gone) and carries on as if it closed. */
  function drop(reason) {
    const ws = s.ws;
    if (!ws) {
      return;
    }
    lost(reason);
    try {
      ws.close(4100, 'client gave up on this connection');
    } catch (e) {
      // already closing
    }
  }

  function lost(code, reason) {
    s.ws = null;
    if (s.nodeUrl && (code === 1012 || !s.helloAnswered)) {
      // The node the page was sent to is stopping or cannot be reached: back to the load balancer.
      s.nodeUrl = null;
    }
    for (const p of s.pending.values()) {
      p.reject({ code: 'disconnected', message: 'the connection dropped' });
    }
    s.pending.clear();
    s.busy = false;
    if (code === 4001) {
      s.replaced = true;
      setStatus('replaced');
      notice('');
      return;
    }
    if (code === 4004) {
      // Closed by an operator (docs/protocol.md): not a network drop, so no retry; the player
      // decides when to come back.
      s.kicked = reason || '';
      setStatus('disconnected');
      notice('');
      return;
    }
    setStatus('reconnecting');
    scheduleReconnect(code === 4003 ? FLOOD_PAUSE_MS : 0);
  }

  function scheduleReconnect(atLeast) {
    if (s.replaced || s.kicked !== null || s.ws || s.retryTimer) {
      return;
    }
    const base = Math.max(atLeast || 0, Math.min(RETRY_CAP_MS, RETRY_FIRST_MS * Math.pow(2, s.retry)));
    s.retry++;
    s.retryTimer = setTimeout(connect, Math.round(base * (0.85 + 0.3 * Math.random())));
  }

  /** The network came back, or the page came into view: try now rather than at the next retry. */
  function reconnectNow() {
    if (s.replaced || s.kicked !== null) {
      return;
    }
    if (s.ws && online()) {
      ping();
      return;
    }
    if (s.ws) {
      drop(4104); // an attempt made while the network was down may hang: start afresh
    }
    s.retry = 0;
    connect();
  }

  /** Takes the seat back from the tab or window that replaced this one. */
  function playHere() {
    s.replaced = false;
    s.haveState = false;
    s.retry = 0;
    connect();
  }

  /** The player chose to come back after an operator closed the connection: resume as after a drop. */
  function reconnectAfterKick() {
    s.kicked = null;
    s.retry = 0;
    connect();
  }

  function ping() {
    if (s.pingSentAt || !online()) {
      return;
    }
    s.pingSentAt = Date.now();
    const ws = s.ws;
    request('ping').then(() => {
      if (s.ws === ws) {
        s.pingSentAt = 0;
      }
    }, () => {});
  }

  /** Runs every second: notices a socket that never got going, or went silent and answers no ping. */
  function watchdog() {
    if (!s.ws) {
      return;
    }
    const now = Date.now();
    if (!online() && now - s.openedAt > CONNECT_TIMEOUT_MS) {
      drop(4101);
    } else if (s.pingSentAt && s.heardAt < s.pingSentAt && now - s.pingSentAt > PING_TIMEOUT_MS) {
      drop(4102);
    } else if (online() && now - Math.max(s.heardAt, s.openedAt) > PING_AFTER_MS) {
      ping();
    }
  }

  function request(type, fields) {
    return new Promise((resolve, reject) => {
      if (!s.ws || s.ws.readyState !== WebSocket.OPEN) {
        reject({ code: 'disconnected', message: 'not connected' });
        return;
      }
      const id = s.nextId++;
      s.pending.set(id, { resolve, reject });
      s.ws.send(JSON.stringify(Object.assign({ id: id, type: type }, fields || {})));
    });
  }

  /**
   * A request for new work that a busy node may refuse with 'overloaded' (it takes new rooms a
   * few at a time, and none while it is full; nothing was changed): asked again after the wait
   * the node names, up to five times, saying so meanwhile.
   */
  function requestPatient(type, fields, tries) {
    const left = tries === undefined ? 5 : tries;
    return request(type, fields).catch((err) => {
      if (err && err.code === 'overloaded' && left > 0) {
        const wait = Math.min(10000, Math.max(100, Number(err.retryAfterMillis) || 1000));
        notice('The server is busy: trying again in ' + Math.ceil(wait / 1000) + ' s…');
        return new Promise((done) => setTimeout(done, wait)).then(() => requestPatient(type, fields, left - 1));
      }
      throw err;
    });
  }

  /** Keeps the id of the game the player is playing, so a page that finds itself elsewhere can look for it. */
  function rememberRoom() {
    if (s.room && s.room.state === 'PLAYING') {
      STORE.setItem('ludus.room', s.room.roomId);
    } else {
      STORE.removeItem('ludus.room');
    }
  }

  /** The player is in no room any more (left it, or it is over or gone): forget it, here and in storage. */
  function forgetRoom() {
    s.room = null;
    s.game = null;
    s.seat = -1;
    s.allowed = [];
    rememberRoom();
  }

  /**
   * Several nodes (docs/protocol.md, "Several nodes"): the node this page reached does not hold the
   * game the player was playing. Asks to join it there: the node takes it over if its node is gone;
   * room_elsewhere names the node that has it (the page connects there); room_moving asks to wait
   * while its node drains. Returns whether a search began.
   */
  function findRoom(roomId) {
    if (!roomId || s.finding === roomId) {
      return false;
    }
    s.finding = roomId;
    const ws = s.ws;
    s.searches.began++;
    const attempt = (left) => request('join_room', { room: roomId }).then(() => {
      s.finding = null;
      s.searches.found++;
      notice('Back in your game.');
    }, (err) => {
      if (s.ws !== ws || err.code === 'disconnected') {
        s.finding = null; // the connection went: the next snapshot starts again
        return;
      }
      if (err.code === 'room_elsewhere' && /^wss?:\/\//.test(String(err.address)) && left > 0) {
        notice('Your game is on another server: moving there…');
        s.searches.followed++;
        s.finding = null;
        s.nodeUrl = err.address;
        drop(4105);
      } else if (['room_moving', 'game_paused', 'unavailable', 'overloaded'].includes(err.code) && left > 0) {
        notice('Your game is moving to another server: a moment…');
        s.searches.waited++;
        setTimeout(() => {
          if (s.ws === ws) {
            attempt(left - 1);
          }
        }, Math.min(5000, Math.max(100, Number(err.retryAfterMillis) || 500)));
      } else {
        // Over, or no longer this player's: show the lobby.
        s.finding = null;
        forgetRoom();
        s.haveState = true;
        render();
        actions.listRooms();
      }
    });
    attempt(40);
    return true;
  }

  function hello() {
    const fields = { name: s.name || 'player', batch: true };
    if (s.token) {
      fields.token = s.token;
      // Only a page that holds state can take the missed events; a fresh one asks for a snapshot.
      if (s.haveState) {
        fields.lastSeq = s.lastSeq;
      }
    }
    s.awaitingSnapshot = true;
    const ws = s.ws;
    request('hello', fields).then((r) => {
      s.helloAnswered = true;
      s.token = r.token;
      s.playerId = r.playerId;
      STORE.setItem('ludus.token', r.token);
      const wasBack = s.retry > 0 || s.haveState;
      s.retry = 0;
      if (r.resumed === 'events') {
        s.awaitingSnapshot = false;
      }
      $('#player').textContent = r.name;
      setStatus('connected');
      notice(wasBack ? 'Reconnected.' : '');
      if (s.pendingCreate) {
        const table = s.pendingCreate;
        s.pendingCreate = null;
        actions.create(table.name, table.game, table.options).catch(() => {});
      }
      if (!s.room) {
        actions.listRooms();
        actions.loadStats();
        openLinkedReplay();
      }
    }, (err) => {
      if (err.code === 'bad_token' || err.code === 'token_expired') {
        s.token = null;
        STORE.removeItem('ludus.token');
        s.haveState = false;
        hello();
      } else if (s.ws === ws && err.code !== 'disconnected') {
        notice(err.message, true);
        drop(4103);
      }
    });
  }

  function onMessage(m) {
    if (m.type === 'batch') {
      // What one action gives this player (its events, then its state), asked for in hello.
      for (const one of Array.isArray(m.messages) ? m.messages : []) {
        onMessage(one);
      }
      return;
    }
    if (m.type === 'ok' || m.type === 'error') {
      const p = s.pending.get(m.id);
      if (p) {
        s.pending.delete(m.id);
        if (m.type === 'ok') {
          p.resolve(m.result || {});
        } else {
          p.reject(m);
        }
      } else if (m.type === 'error') {
        notice(m.message, true);
      }
      return;
    }
    if (typeof m.seq === 'number') {
      if (m.type !== 'snapshot' && !s.awaitingSnapshot && m.seq > s.lastSeq + 1) {
        // A gap: ask for the whole state rather than render a wrong one.
        s.awaitingSnapshot = true;
        request('sync').catch(() => {});
        return;
      }
      if (m.type !== 'snapshot' && (s.awaitingSnapshot || m.seq <= s.lastSeq)) {
        return;
      }
      s.lastSeq = m.seq;
    }
    if (m.type === 'snapshot' || m.type === 'room' || m.type === 'state' || m.type === 'event') {
      enqueue(m);
    }
  }

  // ------------------------------------------------------------------ pacing

  // Moves are shown one at a time: each play stays PLAY_MS on its own before what follows, and a
  // won turn is held TRICK_HOLD_MS with its winner marked, so a player sees every finished turn,
  // their own play included. Messages are applied strictly in order and none is skipped. A
  // snapshot, more than CATCH_UP_AFTER messages waiting (after a resume with missed events), or a
  // tab out of view applies everything waiting at once. ludus.pace scales every pause (0: none).
  // The player's own move waits behind the moves before it only as long as these pauses.
  const PLAY_MS = 700;
  const TRICK_HOLD_MS = 1500;
  const ROUND_HOLD_MS = 2000;
  const CATCH_UP_AFTER = 12;
  // The server does not send when a bot will move for an idle player: the countdown runs from the
  // moment the move became this player's, with the rooms runtime's default idleTimeoutMillis. A
  // redeal offer carries its own timeoutMillis; REDEAL_TIMEOUT_MS is the game's default.
  const IDLE_TIMEOUT_MS = 30000;
  const REDEAL_TIMEOUT_MS = 15000;

  function enqueue(m) {
    m.at = Date.now();
    s.queue.push(m);
    if (m.type === 'snapshot' || s.queue.length > CATCH_UP_AFTER || document.visibilityState === 'hidden') {
      flushQueue();
    } else if (!s.queueTimer) {
      pump();
    }
  }

  /** Applies every message waiting, without pauses, then draws once. */
  function flushQueue() {
    clearTimeout(s.queueTimer);
    s.queueTimer = null;
    while (s.queue.length) {
      apply(s.queue.shift());
    }
    render();
  }

  /** Applies the next message; after a play, a won turn or a scored round, waits before the next. */
  function pump() {
    s.queueTimer = null;
    let pause = 0;
    while (s.queue.length && !pause) {
      const m = s.queue.shift();
      apply(m);
      pause = pauseAfter(m);
    }
    render();
    if (pause) {
      s.queueTimer = setTimeout(pump, pause);
    }
  }

  /** How long what a message shows stays on its own: only moves on the table take time. */
  function pauseAfter(m) {
    if (m.type !== 'event') {
      return 0;
    }
    const pace = typeof window.ludus.pace === 'number' ? window.ludus.pace : 1;
    if (m.name === 'played') {
      return PLAY_MS * pace;
    }
    if (m.name === 'turn_won') {
      return TRICK_HOLD_MS * pace;
    }
    return m.name === 'round_scored' ? ROUND_HOLD_MS * pace : 0;
  }

  /** Takes one message of the room into the page's state (in order; drawing is the caller's). */
  function apply(m) {
    switch (m.type) {
      case 'snapshot':
        if (!m.room && findRoom(STORE.getItem('ludus.room'))) {
          // A node that does not know this player's game (another node of a cluster took it over,
          // or the page reached another node): keep the page as it is while the room is found.
          s.awaitingSnapshot = false;
          break;
        }
        s.awaitingSnapshot = false;
        s.haveState = true;
        if (!m.room || !s.room || m.room.roomId !== s.room.roomId) {
          s.log = [];
        }
        s.room = m.room;
        rememberRoom();
        s.seat = m.seat;
        s.game = m.game;
        s.allowed = m.allowedActions || [];
        s.result = m.result || null;
        // Where the game stands now; how it got there (the plays of a turn, a round's scores) is
        // the events' to tell, and a snapshot has none.
        s.ui.trick = null;
        s.ui.summary = null;
        s.ui.turnSince = s.allowed.length ? m.at : 0;
        break;
      case 'room':
        s.room = m.room;
        rememberRoom();
        break;
      case 'state':
        // The server's idle time starts again with each move asked of the player.
        if ((m.allowedActions || []).length && (!s.allowed.length || (s.game && s.game.phase) !== (m.game && m.game.phase))) {
          s.ui.turnSince = m.at;
        }
        s.game = m.game;
        s.allowed = m.allowedActions || [];
        break;
      case 'event':
        // A played_for_player event comes ahead of the events of that move (same v): tie them.
        if (m.name === 'played_for_player') {
          s.ui.playedFor = { v: m.v, data: m.data || {} };
        } else if (s.ui.playedFor && s.ui.playedFor.v === m.v) {
          m.playedFor = s.ui.playedFor.data;
        }
        s.log.push(m);
        if (s.log.length > 200) {
          s.log.shift();
        }
        if (m.name === 'game_over' && m.data && m.data.result) {
          s.result = m.data.result;
        }
        followTable(m);
        playedForMe(m.data);
        break;
      default:
        break;
    }
  }

  /**
   * Keeps what the events tell beyond the latest state: the turn on the table play by play (the
   * state comes only after the whole move), the last round's scores, why the game ended, and when
   * a redeal offer to this player runs out.
   */
  function followTable(m) {
    const d = m.data || {};
    switch (m.name) {
      case 'turn_started':
        s.ui.trick = { turn: d.turn, plays: [], winner: -1 };
        s.ui.summary = s.ui.summary && s.ui.summary.round === d.round ? s.ui.summary : null;
        break;
      case 'played':
        if (s.ui.trick) {
          s.ui.trick.plays.push(d);
        }
        break;
      case 'turn_won':
        if (s.ui.trick) {
          s.ui.trick.winner = d.seat;
          s.ui.trick.piles = d.piles;
        }
        break;
      case 'round_scored':
        s.ui.summary = d;
        break;
      case 'declaration_started':
        s.ui.trick = null;
        break;
      case 'redeal_offered':
        if (d.seat === s.seat) {
          s.ui.redealUntil = m.at + (d.timeoutMillis || REDEAL_TIMEOUT_MS);
        }
        break;
      case 'game_over':
        if (d.reason) {
          s.ui.overReason = d.reason;
        }
        // Ended by an operator: the room's game_over carries their reason and name.
        s.ui.endedBy = d.endedBy || s.ui.endedBy || null;
        break;
      default:
        break;
    }
  }

  /**
   * A move the server made for this player's seat while they were away or did not answer (events
   * may carry a `cause`; older servers send none, and then nothing is said).
   */
  function playedForMe(data) {
    if (!data || data.seat !== s.seat || s.seat < 0 || (data.cause !== 'away' && data.cause !== 'idle')) {
      return;
    }
    notice(data.cause === 'away'
      ? 'While you were away, a bot made a move for you (see the log).'
      : 'You did not move in time, so a bot made a move for you (see the log).', true);
  }

  // ------------------------------------------------------------------ actions

  /**
   * An error as the player should read it: in the page's own words and seat names (the server
   * counts seats from 0 and says "seat 1" for the player the page calls "bot 2").
   */
  function errorText(err) {
    const named = (i) => (i === s.seat ? 'you' : seatName(i));
    const toMove = s.game && typeof s.game.toMove === 'number' && s.game.toMove >= 0 ? s.game.toMove : -1;
    switch (err.code) {
      case 'not_your_turn':
        return toMove >= 0 && toMove !== s.seat ? 'Not your turn: ' + named(toMove) + ' plays next.' : 'Not your turn yet.';
      case 'disconnected':
        return 'No answer: the connection dropped. Once reconnected, the game shows what happened.';
      case 'already_in_room':
        return 'You already sit in a room: here it is.';
      case 'room_full':
        return 'That room is full.';
      case 'already_started':
        return 'That game has already started.';
      case 'no_such_room':
        return 'That room no longer exists.';
      case 'not_in_room':
        return 'You no longer sit in that room.';
      case 'game_paused':
        return 'The game is paused for a moment; try again shortly.';
      case 'room_paused':
        return 'An operator paused the game; it goes on when they resume it.';
      case 'game_over':
        return 'The game is over.';
      case 'unavailable':
        return 'The server is busy for a moment; try again.';
      case 'rate_limited':
        return 'Too many requests at once; try again in a moment.';
      case 'overloaded':
        return 'The server is full right now; try again in a few seconds.';
      case 'create_elsewhere':
        return 'Your table will be on another server: moving there…';
      default:
        return String(err.message || err.code || 'something went wrong')
          .replace(/\bseat (\d+)\b/g, (all, n) => named(Number(n)));
    }
  }

  /**
   * Sends one request for a button: nothing else is sent until its reply (a second click is
   * ignored and the buttons show disabled), and a refusal is shown in the page's words.
   */
  function run(send, okText) {
    if (s.busy) {
      return Promise.reject({ code: 'busy', message: 'waiting for the previous answer' });
    }
    s.busy = true;
    render();
    return send().then((r) => {
      s.busy = false;
      if (okText) {
        notice(okText);
      }
      render();
      return r;
    }, (err) => {
      s.busy = false;
      notice(errorText(err), true);
      if (err.code === 'already_in_room' || err.code === 'not_in_room') {
        request('sync').catch(() => {});
      }
      render();
      throw err;
    });
  }

  const actions = {
    // Joinable rooms come first, newest first; older ones are a page away.
    listRooms: () => request('list_rooms', { limit: 50, cursor: s.lobbyCursor || undefined }).then((r) => {
      s.rooms = r.rooms;
      s.lobbyNext = r.next || null;
      if (!s.room) {
        render();
      }
    }, (err) => {
      if (err && err.code === 'bad_cursor') {
        s.lobbyCursor = null;
        s.lobbyBack = [];
      }
    }),
    // The player's profile, their last games and the Liap Tui leaderboard, for the lobby.
    loadStats: () => Promise.all([
      request('profile'),
      request('history', { limit: 10 }),
      request('leaderboard', { game: 'liap-tui', limit: 20 })
    ]).then(([p, h, b]) => {
      s.profile = p.profile;
      s.history = h.games;
      s.board = b.players;
      s.statsError = null;
      if (!s.room) {
        render();
      }
    }, (err) => {
      s.statsError = err && err.code === 'stats_unavailable' ? 'Statistics are not available right now.'
        : 'Statistics could not be loaded.';
      if (!s.room) {
        render();
      }
    }),
    // A finished game, move by move as one seat saw it; the link in the address bar opens it again.
    replay: (game, seat) => request('replay', { game: game, seat: seat || 0 }).then((r) => {
      stopReplay();
      // The first step carries its view whole, every later one a merge patch of the view before.
      let view = null;
      (r.game.steps || []).forEach((step) => {
        view = step.view || mergePatch(view, step.viewPatch);
        step.view = view;
      });
      s.replay = { game: r.game, at: 0, timer: null };
      window.history.replaceState(null, '', '#replay=' + encodeURIComponent(game) + '&seat=' + (seat || 0));
      if (!s.room) {
        render();
      }
    }, (err) => {
      notice(err && err.code === 'game_not_found' ? 'That game is not in the archive (yet): try again in a moment.'
        : errorText(err), true);
      throw err;
    }),
    closeReplay: () => {
      stopReplay();
      s.replay = null;
      window.history.replaceState(null, '', window.location.pathname + window.location.search);
      render();
    },
    lobbyPage: (forward) => {
      if (forward && s.lobbyNext) {
        s.lobbyBack.push(s.lobbyCursor);
        s.lobbyCursor = s.lobbyNext;
      } else if (!forward && s.lobbyBack.length) {
        s.lobbyCursor = s.lobbyBack.pop();
      }
      return actions.listRooms();
    },
    create: (name, game, options) => run(() => requestPatient('create_room', { game: game, name: name, options: options }))
      .then((r) => {
        s.createHops = 0;
        return actions.join(r.room.roomId);
      }, (err) => {
        // Several nodes: new tables of this game are made on another node now; make it there.
        if (err && err.code === 'create_elsewhere' && /^wss?:\/\//.test(String(err.address)) && (s.createHops || 0) < 2) {
          s.createHops = (s.createHops || 0) + 1;
          s.pendingCreate = { name: name, game: game, options: options };
          s.nodeUrl = err.address;
          notice('Your table will be on another server: moving there…');
          drop(4106);
          return undefined;
        }
        throw err;
      }),
    join: (roomId) => run(() => requestPatient('join_room', { room: roomId, name: s.name || undefined })),
    leave: () => run(() => request('leave_room')).then(() => {
      flushQueue();
      s.ui.summary = null;
      s.ui.trick = null;
      s.ui.overReason = null;
      s.ui.endedBy = null;
      forgetRoom();
      s.result = null;
      s.log = [];
      render();
      actions.listRooms();
      actions.loadStats();
    }),
    addBot: () => run(() => request('add_bot')),
    fillWithBots: (joined) => run(() => {
      const room = joined || s.room;
      const empty = room ? room.seats.filter((x) => !x.bot && !x.playerId).length : 0;
      let chain = Promise.resolve();
      for (let i = 0; i < empty; i++) {
        chain = chain.then(() => request('add_bot'));
      }
      return chain;
    }),
    removeBot: (seat) => run(() => request('remove_bot', { seat: seat })),
    start: () => run(() => request('start')),
    /**
     * After a game: leaves it, opens a new room with the same name and options, sits down and
     * fills the other seats with bots; the waiting room then lets the player swap bots for people
     * or start.
     */
    playAgain: () => {
      const name = s.room.name;
      const game = s.room.gameType;
      const options = {};
      if (s.game && s.game.maxRounds) {
        options.maxRounds = s.game.maxRounds;
      }
      if (s.game && s.game.winScore) {
        options.winScore = s.game.winScore;
      }
      return actions.leave()
        .then(() => actions.create(name, game, options))
        .then((r) => actions.fillWithBots(r && r.room));
    },
    // Once the server took the move, the choices shown are spent until a newer state comes (the
    // events of the move may still be on their way through the queue); a newer state applied
    // already keeps its own.
    act: (action, args) => {
      const shown = s.game;
      return run(() => request('act', { action: action, args: args || {} }).then((r) => {
        if (s.game === shown) {
          s.allowed = [];
        }
        return r;
      }));
    },
    rename: (name) => {
      s.name = name;
      STORE.setItem('ludus.name', name);
      if (name) {
        $('#player').textContent = name;
      }
    }
  };

  // ------------------------------------------------------------------ rendering

  /** The default name of a new room: the player's table, or a plain one before they have a name. */
  function tableName(player) {
    return player ? player + "'s table" : 'New table';
  }

  function seatName(seat) {
    if (!s.room || !s.room.seats[seat]) {
      return 'seat ' + (seat + 1);
    }
    const x = s.room.seats[seat];
    return (x.name || 'seat ' + (seat + 1)) + (seat === s.seat ? ' (you)' : '');
  }

  function render() {
    const main = $('#main');
    const focused = focusKey(main);
    if (!s.haveState) {
      // Until the server has said where the player sits, show neither the lobby nor a room.
      if (!main.querySelector('#loading')) {
        main.innerHTML = '<p class="hint" id="loading">Connecting…</p>';
      }
    } else if (!s.room && s.replay) {
      renderReplay(main);
    } else if (!s.room) {
      renderLobby(main);
    } else if (s.room.state === 'WAITING') {
      renderWaiting(main);
    } else {
      renderGame(main);
    }
    lockButtons(main);
    restoreFocus(main, focused);
    announceTurn();
  }

  /**
   * Offline (or replaced) nothing can be sent: every button is disabled, visibly. While a request
   * waits for its reply, buttons are marked aria-disabled (and a second click is ignored) but stay
   * focusable, so the keyboard user's place is not lost.
   */
  function lockButtons(main) {
    const offline = !online();
    main.classList.toggle('offline', offline);
    main.querySelectorAll('button').forEach((b) => {
      if (offline && !b.disabled) {
        b.disabled = true;
        b.dataset.offline = 'true';
      } else if (!offline && b.dataset.offline) {
        b.disabled = false;
        delete b.dataset.offline;
      }
      if (s.busy && !b.disabled) {
        b.setAttribute('aria-disabled', 'true');
      } else {
        b.removeAttribute('aria-disabled');
      }
    });
  }

  /** What identifies the focused control across a re-render: its id, or its data-key. */
  function focusKey(main) {
    const el = document.activeElement;
    if (!el || el === main || !main.contains(el)) {
      return null;
    }
    if (el.id) {
      return '#' + CSS.escape(el.id);
    }
    return el.dataset.key ? '[data-key="' + CSS.escape(el.dataset.key) + '"]' : '[data-focus-home]';
  }

  /**
   * Puts the focus back where it was before a re-render; when that control is gone (the move was
   * made), on the view's focus home, so it never falls back to the page's body.
   */
  function restoreFocus(main, key) {
    if (!key || (document.activeElement && document.activeElement !== document.body)) {
      return;
    }
    const el = main.querySelector(key);
    const target = el && !el.disabled ? el : main.querySelector('[data-focus-home]');
    if (target) {
      target.focus({ preventScroll: true });
    }
  }

  /** Tells the player, also through a live region and the tab's title, when it is their move. */
  function announceTurn() {
    const mine = online() && !!s.room && s.room.state === 'PLAYING' && s.allowed.length > 0;
    if (mine && !s.ui.myTurn) {
      $('#announce').textContent = 'Your turn.';
    } else if (!mine && s.ui.myTurn) {
      $('#announce').textContent = '';
    }
    s.ui.myTurn = mine;
    document.title = (mine ? '● Your turn · ' : '') + 'Ludus';
  }

  function renderLobby(main) {
    // The form is drawn once per visit to the lobby, so a refresh of the room list never wipes
    // what the person is typing.
    if (!main.querySelector('#create-form')) {
      main.innerHTML =
        '<section class="lobby">'
        + '<h2>New room</h2>'
        + '<form id="create-form" class="row">'
        + '<label>Your name <input id="name" maxlength="32" value="' + esc(s.name) + '" placeholder="player"></label>'
        + '<label>Room <input id="room-name" maxlength="100" value="' + esc(tableName(s.name)) + '"></label>'
        + '<label>Game <select id="game-type"><option value="liap-tui">Liap Tui</option></select></label>'
        + '<label>Max rounds <input id="max-rounds" type="number" min="1" max="1000" value="20"></label>'
        + '<button id="create" type="submit">Create and join</button>'
        + '</form>'
        + '<h2>Rooms</h2>'
        + '<div id="room-list"></div>'
        + '</section>'
        + '<section class="stats" aria-label="Statistics">'
        + '<h2>Your games <button id="stats-refresh" type="button" class="secondary">Refresh</button></h2>'
        + '<div id="profile"></div>'
        + '<h2>Leaderboard <span class="tag">Liap Tui</span></h2>'
        + '<div id="leaderboard"></div>'
        + '</section>';
      $('#stats-refresh').onclick = () => actions.loadStats();
      $('#name').onchange = (e) => actions.rename(e.target.value.trim());
      // The room's name follows the player's until they type one of their own.
      $('#room-name').dataset.auto = tableName(s.name);
      $('#name').oninput = (e) => {
        const room = $('#room-name');
        if (room.value.trim() === room.dataset.auto) {
          room.dataset.auto = tableName(e.target.value.trim());
          room.value = room.dataset.auto;
        }
      };
      $('#create-form').onsubmit = (e) => {
        e.preventDefault();
        actions.rename($('#name').value.trim());
        const opts = {};
        const mr = $('#max-rounds').value;
        if (mr) {
          opts.maxRounds = mr;
        }
        // A room name still as the page filled it in follows the player's name as finally given.
        const room = $('#room-name');
        const typed = room.value.trim();
        const roomName = typed && typed !== room.dataset.auto ? typed : tableName(s.name);
        actions.create(roomName, $('#game-type').value, opts).catch(() => {});
      };
    }
    const rows = s.rooms.map((r) => {
      const taken = r.seats.filter((x) => x.bot || x.playerId).length;
      return '<tr><td>' + esc(r.name) + '</td><td>' + esc(r.gameType) + '</td><td>' + esc(r.state) + '</td><td>'
        + taken + '/' + r.seats.length + '</td><td>'
        + (r.state === 'WAITING' && taken < r.seats.length ? '<button class="join" data-room="' + esc(r.roomId) + '" data-key="join-' + esc(r.roomId) + '">Join</button>' : '')
        + '</td></tr>';
    }).join('');
    const list = $('#room-list');
    const pager = (s.lobbyBack.length ? '<button id="rooms-newer" type="button">Newer rooms</button> ' : '')
      + (s.lobbyNext ? '<button id="rooms-older" type="button">More rooms</button>' : '');
    list.innerHTML = (rows ? '<div class="scroll" tabindex="0" role="region" aria-label="Rooms"><table class="rooms"><thead><tr><th>Room</th><th>Game</th><th>State</th><th>Seats</th><th></th></tr></thead><tbody>'
      + rows + '</tbody></table></div>' : '<p class="hint">No open rooms yet.</p>') + (pager ? '<p class="pager">' + pager + '</p>' : '');
    if ($('#rooms-newer')) {
      $('#rooms-newer').onclick = () => actions.lobbyPage(false);
    }
    if ($('#rooms-older')) {
      $('#rooms-older').onclick = () => actions.lobbyPage(true);
    }
    renderStats();
    list.querySelectorAll('button.join').forEach((b) => {
      b.onclick = () => {
        actions.rename($('#name').value.trim());
        actions.join(b.dataset.room).catch(() => {});
      };
    });
  }

  /** The profile panel and the leaderboard in the lobby; text only, every value escaped. */
  function renderStats() {
    const profile = $('#profile');
    const board = $('#leaderboard');
    if (!profile || !board) {
      return;
    }
    if (s.statsError) {
      profile.innerHTML = '<p class="hint">' + esc(s.statsError) + '</p>';
      board.innerHTML = '';
      return;
    }
    const p = s.profile;
    if (!p) {
      profile.innerHTML = '<p class="hint">Loading…</p>';
    } else if (!p.gamesPlayed) {
      profile.innerHTML = '<p class="hint" id="no-games">No finished games yet: your statistics start with your first.</p>';
    } else {
      const accuracy = p.roundsPlayed ? Math.round(p.declarationAccuracy * 100) + ' %' : '–';
      const games = s.history.map((g, i) => '<tr><td>' + esc(new Date(g.finishedAt).toLocaleString()) + '</td><td>'
        + (g.won ? 'won' : 'lost') + '</td><td>' + esc(g.score) + '</td><td>'
        + esc(g.players.filter((name, i) => i !== g.seat).join(', ')) + '</td><td><button type="button" class="replay-game secondary"'
        + ' data-index="' + i + '" data-key="replay-' + esc(g.roomId) + '">Replay</button></td></tr>').join('');
      profile.innerHTML = '<dl class="profile" id="profile-figures">'
        + '<dt>Games</dt><dd id="games-played">' + esc(p.gamesPlayed) + '</dd>'
        + '<dt>Won</dt><dd id="games-won">' + esc(p.gamesWon) + '</dd>'
        + '<dt>Points</dt><dd>' + esc(p.points) + '</dd>'
        + '<dt>Declarations hit</dt><dd>' + esc(accuracy) + '</dd>'
        + '</dl>'
        + (games ? '<div class="scroll" tabindex="0" role="region" aria-label="Your last games"><table class="history">'
          + '<thead><tr><th>Finished</th><th>Result</th><th>Score</th><th>Against</th><th>Move by move</th></tr></thead><tbody>'
          + games + '</tbody></table></div>' : '');
      profile.querySelectorAll('button.replay-game').forEach((b) => {
        const g = s.history[Number(b.dataset.index)];
        b.onclick = () => actions.replay(g.roomId, g.seat).catch(() => {});
      });
    }
    const rows = s.board.map((x) => '<tr' + (x.playerId === s.playerId ? ' class="me"' : '') + '><td>' + esc(x.rank)
      + '</td><td>' + esc(x.name || 'player') + '</td><td>' + esc(x.gamesWon) + '</td><td>' + esc(x.gamesPlayed)
      + '</td><td>' + esc(x.points) + '</td></tr>').join('');
    board.innerHTML = rows ? '<div class="scroll" tabindex="0" role="region" aria-label="Leaderboard"><table class="board" id="board">'
      + '<thead><tr><th>#</th><th>Player</th><th>Won</th><th>Games</th><th>Points</th></tr></thead><tbody>' + rows
      + '</tbody></table></div>' : '<p class="hint">Nobody has finished a game yet.</p>';
  }

  // ------------------------------------------------------------------ replays

  const REPLAY_STEP_MS = 900;

  /** Opens the replay a #replay=<game>&seat=<n> link names, once connected. */
  function openLinkedReplay() {
    const m = /^#replay=([^&]+)(?:&seat=(\d+))?$/.exec(window.location.hash || '');
    if (m && !s.replay) {
      actions.replay(decodeURIComponent(m[1]), Number(m[2] || 0)).catch(() => {});
    }
  }

  /** A JSON merge patch (RFC 7386) applied to a copy of {@code target}; the target is left as it was. */
  function mergePatch(target, patch) {
    if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
      return patch;
    }
    const out = Object.assign({}, target !== null && typeof target === 'object' && !Array.isArray(target) ? target : {});
    Object.keys(patch).forEach((k) => {
      if (patch[k] === null) {
        delete out[k];
      } else {
        out[k] = mergePatch(out[k], patch[k]);
      }
    });
    return out;
  }

  function stopReplay() {
    if (s.replay && s.replay.timer) {
      clearInterval(s.replay.timer);
      s.replay.timer = null;
    }
  }

  /** Shows step {@code at} (clamped); playing stops at the end. */
  function replayTo(at) {
    const r = s.replay;
    if (!r || !r.game.steps) {
      return;
    }
    r.at = Math.max(0, Math.min(r.game.steps.length - 1, at));
    if (r.at === r.game.steps.length - 1) {
      stopReplay();
    }
    render();
  }

  function toggleReplayPlay() {
    const r = s.replay;
    if (r.timer) {
      stopReplay();
    } else {
      if (r.at === r.game.steps.length - 1) {
        r.at = 0;
      }
      r.timer = setInterval(() => replayTo(s.replay ? s.replay.at + 1 : 0), REPLAY_STEP_MS);
    }
    render();
  }

  /** One step in words: the game's renderer may say it better (describeStep), else type and arguments. */
  function describeStep(step, renderer, name) {
    const custom = renderer.describeStep ? renderer.describeStep(step, name) : null;
    if (custom) {
      return custom;
    }
    if (step.action === 'start') {
      return 'The game starts.';
    }
    const args = step.args && Object.keys(step.args).length ? ' ' + JSON.stringify(step.args) : '';
    return (step.seat >= 0 ? name(step.seat) : 'The game') + ': ' + step.action + args
      + (step.cause === 'idle' || step.cause === 'away' ? ' (a bot moved for them)' : '');
  }

  function renderReplay(main) {
    const r = s.replay;
    const g = r.game;
    const renderer = (window.LudusGames || {})[g.type] || genericGame;
    if (!g.steps) {
      const why = g.stepsUnavailable ? g.stepsUnavailable.message : 'the server sent no steps';
      main.innerHTML = '<section id="replay" class="replay"><h2 tabindex="-1" data-focus-home>Replay</h2>'
        + '<p class="hint" id="replay-unavailable">This game cannot be shown move by move right now: ' + esc(why) + '</p>'
        + '<button id="replay-close" class="secondary">Back to the lobby</button></section>';
      $('#replay-close').onclick = actions.closeReplay;
      return;
    }
    const names = (g.seats || []).map((x) => x.name || 'player');
    const name = (i) => names[i] || ('seat ' + (i + 1));
    if (!main.querySelector('#replay .game') || main.querySelector('#replay').dataset.game !== g.id) {
      main.innerHTML = '<section id="replay" class="replay" data-game="' + esc(g.id) + '" aria-label="Replay of a finished game">'
        + '<div class="replay-head"><h2 tabindex="-1" data-focus-home>Replay of a finished game <span class="tag">' + esc(g.type)
        + '</span> <small>' + esc(names.join(', ')) + '</small></h2>'
        + '<div class="row replay-controls" role="group" aria-label="Replay controls">'
        + '<button id="replay-first" type="button">« Start</button>'
        + '<button id="replay-back" type="button">◀ Back</button>'
        + '<button id="replay-play" type="button"></button>'
        + '<button id="replay-next" type="button">Next ▶</button>'
        + '<button id="replay-last" type="button">End »</button>'
        + '<button id="replay-close" type="button" class="secondary">Close</button></div>'
        + '<p id="replay-step" aria-live="polite"></p></div>'
        + '<section class="game" data-game="' + esc(g.type) + '"></section></section>';
      $('#replay-first').onclick = () => replayTo(0);
      $('#replay-back').onclick = () => replayTo(s.replay.at - 1);
      $('#replay-next').onclick = () => replayTo(s.replay.at + 1);
      $('#replay-last').onclick = () => replayTo(Infinity);
      $('#replay-play').onclick = toggleReplayPlay;
      $('#replay-close').onclick = actions.closeReplay;
    }
    const last = g.steps.length - 1;
    const step = g.steps[r.at];
    $('#replay-step').dataset.at = String(r.at);
    $('#replay-step').textContent = 'Move ' + r.at + ' of ' + last + ': ' + describeStep(step, renderer, name);
    $('#replay-play').textContent = r.timer ? '⏸ Pause' : '▶ Play';
    $('#replay-first').disabled = r.at === 0;
    $('#replay-back').disabled = r.at === 0;
    $('#replay-next').disabled = r.at === last;
    $('#replay-last').disabled = r.at === last;
    const recent = g.steps.slice(Math.max(1, r.at - 29), r.at + 1).map((x) => describeStep(x, renderer, name));
    renderer.render(main.querySelector('#replay .game'), {
      replay: true,
      replayLog: recent,
      room: { roomId: g.id, name: 'As ' + name(g.seat) + ' saw it', gameType: g.type, state: 'FINISHED',
        seats: (g.seats || []).map((x) => Object.assign({ connected: true }, x)) },
      seat: g.seat,
      game: step.view,
      allowed: [],
      result: r.at === last ? g.result : null,
      log: [],
      busy: false,
      online: true,
      seatName: name,
      esc: esc,
      act: () => {},
      leave: actions.closeReplay,
      playAgain: actions.closeReplay,
      closeSummary: () => {}
    });
  }

  function renderWaiting(main) {
    const seats = s.room.seats.map((x, i) => {
      const who = x.bot ? esc(x.name) + ' <span class="tag">bot</span>'
        : x.playerId ? esc(x.name) + (i === s.seat ? ' <span class="tag">you</span>' : '')
          : '<span class="hint">empty</span>';
      const remove = x.bot ? ' <button class="remove-bot" data-seat="' + i + '" data-key="remove-' + i + '">Remove</button>' : '';
      return '<li data-seat="' + i + '">Seat ' + (i + 1) + ': ' + who + remove + '</li>';
    }).join('');
    const empty = s.room.seats.some((x) => !x.bot && !x.playerId);
    main.innerHTML =
      '<section class="waiting">'
      + '<h2 tabindex="-1" data-focus-home>' + esc(s.room.name) + ' <span class="tag">' + esc(s.room.gameType) + '</span></h2>'
      + '<ol class="seats">' + seats + '</ol>'
      + '<div class="row">'
      + '<button id="add-bot"' + (empty ? '' : ' disabled') + '>Add a bot</button>'
      + '<button id="fill-bots"' + (empty ? '' : ' disabled') + '>Fill empty seats with bots</button>'
      + '<button id="start">Start the game</button>'
      + '<button id="leave" class="secondary">Leave</button>'
      + '</div>'
      + '<p class="hint">Empty seats are filled with bots when the game starts.</p>'
      + '</section>';
    $('#add-bot').onclick = () => actions.addBot().catch(() => {});
    $('#fill-bots').onclick = () => actions.fillWithBots().catch(() => {});
    $('#start').onclick = () => actions.start().catch(() => {});
    $('#leave').onclick = () => actions.leave().catch(() => {});
    main.querySelectorAll('button.remove-bot').forEach((b) => {
      b.onclick = () => actions.removeBot(Number(b.dataset.seat)).catch(() => {});
    });
  }

  function renderGame(main) {
    const renderer = (window.LudusGames || {})[s.room.gameType] || genericGame;
    if (s.ui.renderer !== renderer || !main.querySelector('.game')) {
      main.innerHTML = '<section class="game" data-game="' + esc(s.room.gameType) + '"></section>';
      s.ui.renderer = renderer;
    }
    renderer.render(main.querySelector('.game'), {
      room: s.room,
      seat: s.seat,
      game: s.game,
      allowed: s.allowed,
      result: s.result,
      log: s.log,
      busy: s.busy,
      online: online(),
      trick: s.ui.trick,
      summary: s.ui.summary,
      overReason: s.ui.overReason,
      endedBy: s.ui.endedBy,
      deadline: deadline(),
      closeSummary: () => {
        s.ui.summary = null;
        render();
      },
      playAgain: () => actions.playAgain().catch(() => {}),
      seatName: seatName,
      esc: esc,
      act: (action, args) => actions.act(action, args).catch(() => {}),
      leave: () => actions.leave().catch(() => {})
    });
  }

  /** When a bot will move for this player if they do not: the redeal offer's end, or the idle time. */
  function deadline() {
    if (!s.allowed.length || !s.ui.turnSince) {
      return 0;
    }
    if (s.allowed.indexOf('redeal_request') >= 0 && s.ui.redealUntil > s.ui.turnSince) {
      return s.ui.redealUntil;
    }
    return s.ui.turnSince + IDLE_TIMEOUT_MS;
  }

  /** Counts down every [data-until] on the page (milliseconds since the epoch) in whole seconds. */
  function tickCountdowns() {
    document.querySelectorAll('[data-until]').forEach((el) => {
      const left = Math.max(0, Math.ceil((Number(el.dataset.until) - Date.now()) / 1000));
      const text = String(left);
      if (el.textContent !== text) {
        el.textContent = text;
      }
    });
  }

  const genericGame = {
    render(el, ctx) {
      const buttons = ctx.allowed.map((a) => '<button class="act" data-action="' + ctx.esc(a) + '">' + ctx.esc(a) + '</button>').join(' ');
      el.innerHTML = '<h2 tabindex="-1" data-focus-home>' + ctx.esc(ctx.room.name) + ' <span class="tag">' + ctx.esc(ctx.room.state) + '</span></h2>'
        + '<pre class="view">' + ctx.esc(JSON.stringify(ctx.game, null, 1)) + '</pre>'
        + '<div class="row">' + buttons + ' <input id="args" placeholder="{} arguments as JSON"></div>'
        + (ctx.result ? '<pre id="game-over">' + ctx.esc(JSON.stringify(ctx.result)) + '</pre>' : '')
        + '<button id="leave" class="secondary">Leave</button>';
      el.querySelectorAll('button.act').forEach((b) => {
        b.onclick = () => {
          let args = {};
          try {
            args = JSON.parse(el.querySelector('#args').value || '{}');
          } catch (e) {
            notice('arguments must be JSON', true);
            return;
          }
          ctx.act(b.dataset.action, args);
        };
      });
      el.querySelector('#leave').onclick = ctx.leave;
    }
  };

  // ------------------------------------------------------------------ start

  window.ludus = {
    state: s,
    actions: actions,
    get socket() {
      return s.ws;
    }
  };
  setInterval(() => {
    if (s.haveState && !s.room && online()) {
      actions.listRooms();
    }
  }, 3000);
  setInterval(watchdog, 1000);
  setInterval(tickCountdowns, 250);
  window.addEventListener('online', reconnectNow);
  window.addEventListener('offline', () => drop(4104));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') {
      reconnectNow();
    }
  });
  render();
  connect();
}());
