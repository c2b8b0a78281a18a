/*
 * The Ludus browser client: the lobby, a room's seats, and the game, over the WebSocket protocol
 * at /ws (see docs/protocol.md). Games render through window.LudusGames[gameType]; a game with no
 * renderer gets a generic view. Reconnects by itself and resumes with its token.
 */
(function () {
  'use strict';

  const STORE = window.localStorage;
  const s = {
    ws: null,
    status: 'offline',
    nextId: 1,
    pending: new Map(),
    token: STORE.getItem('ludus.token'),
    lastSeq: Number(STORE.getItem('ludus.lastSeq') || 0),
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
    retry: 0,
    awaitingSnapshot: true,
    replaced: false,
    busy: false,
    ui: {}
  };

  const $ = (sel) => document.querySelector(sel);
  const esc = (v) => String(v == null ? '' : v).replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'
  }[c]));

  function notice(text, isError) {
    const n = $('#notice');
    n.textContent = text || '';
    n.className = isError ? 'error' : '';
  }

  function setStatus(status) {
    s.status = status;
    const el = $('#status');
    el.textContent = status;
    el.className = 'status ' + status;
    el.dataset.status = status;
  }

  // ------------------------------------------------------------------ connection

  function connect() {
    if (s.replaced) {
      return;
    }
    setStatus(s.retry === 0 ? 'connecting' : 'reconnecting');
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
    const ws = new WebSocket(url);
    s.ws = ws;
    ws.onopen = () => hello();
    ws.onmessage = (e) => {
      let m;
      try {
        m = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      onMessage(m);
    };
    ws.onclose = (e) => {
      if (s.ws !== ws) {
        return;
      }
      s.ws = null;
      for (const p of s.pending.values()) {
        p.reject({ code: 'disconnected', message: 'the connection dropped' });
      }
      s.pending.clear();
      if (e.code === 4001) {
        s.replaced = true;
        setStatus('replaced');
        notice('This game was opened in another window.', true);
        return;
      }
      const delay = Math.min(5000, 300 * Math.pow(2, s.retry));
      s.retry++;
      setStatus('reconnecting');
      notice('Connection lost (' + e.code + '); reconnecting…');
      setTimeout(connect, delay);
    };
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

  function hello() {
    const fields = { name: s.name || 'player' };
    if (s.token) {
      fields.token = s.token;
      fields.lastSeq = s.lastSeq;
    }
    s.awaitingSnapshot = true;
    request('hello', fields).then((r) => {
      s.token = r.token;
      s.playerId = r.playerId;
      STORE.setItem('ludus.token', r.token);
      s.retry = 0;
      setStatus('connected');
      notice(r.resumed === 'new' ? '' : 'Reconnected.');
      $('#player').textContent = r.name;
      if (r.resumed === 'events') {
        s.awaitingSnapshot = false;
      }
    }, (err) => {
      if (err.code === 'bad_token' || err.code === 'token_expired') {
        s.token = null;
        STORE.removeItem('ludus.token');
        s.lastSeq = 0;
        hello();
      } else {
        notice(err.message, true);
      }
    });
  }

  function onMessage(m) {
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
      STORE.setItem('ludus.lastSeq', String(m.seq));
    }
    switch (m.type) {
      case 'snapshot':
        s.awaitingSnapshot = false;
        s.room = m.room;
        s.seat = m.seat;
        s.game = m.game;
        s.allowed = m.allowedActions || [];
        s.result = m.result || null;
        break;
      case 'room':
        s.room = m.room;
        break;
      case 'state':
        s.game = m.game;
        s.allowed = m.allowedActions || [];
        break;
      case 'event':
        s.log.push(m);
        if (s.log.length > 200) {
          s.log.shift();
        }
        if (m.name === 'game_over' && m.data && m.data.result) {
          s.result = m.data.result;
        }
        break;
      default:
        return;
    }
    render();
  }

  // ------------------------------------------------------------------ actions

  function run(promise, okText) {
    s.busy = true;
    return promise.then((r) => {
      s.busy = false;
      if (okText) {
        notice(okText);
      }
      render();
      return r;
    }, (err) => {
      s.busy = false;
      notice(err.message || err.code, true);
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
    lobbyPage: (forward) => {
      if (forward && s.lobbyNext) {
        s.lobbyBack.push(s.lobbyCursor);
        s.lobbyCursor = s.lobbyNext;
      } else if (!forward && s.lobbyBack.length) {
        s.lobbyCursor = s.lobbyBack.pop();
      }
      return actions.listRooms();
    },
    create: (name, game, options) => run(request('create_room', { game: game, name: name, options: options }))
      .then((r) => actions.join(r.room.roomId)),
    join: (roomId) => run(request('join_room', { room: roomId, name: s.name || undefined })),
    leave: () => run(request('leave_room')).then(() => {
      s.room = null;
      s.game = null;
      s.result = null;
      s.seat = -1;
      s.log = [];
      render();
      actions.listRooms();
    }),
    addBot: () => run(request('add_bot')),
    fillWithBots: () => {
      const empty = s.room ? s.room.seats.filter((x) => !x.bot && !x.playerId).length : 0;
      let chain = Promise.resolve();
      for (let i = 0; i < empty; i++) {
        chain = chain.then(() => request('add_bot'));
      }
      return run(chain);
    },
    removeBot: (seat) => run(request('remove_bot', { seat: seat })),
    start: () => run(request('start')),
    act: (action, args) => run(request('act', { action: action, args: args || {} })),
    rename: (name) => {
      s.name = name;
      STORE.setItem('ludus.name', name);
      if (name) {
        $('#player').textContent = name;
      }
    }
  };

  // ------------------------------------------------------------------ rendering

  function seatName(seat) {
    if (!s.room || !s.room.seats[seat]) {
      return 'seat ' + (seat + 1);
    }
    const x = s.room.seats[seat];
    return (x.name || 'seat ' + (seat + 1)) + (seat === s.seat ? ' (you)' : '');
  }

  function render() {
    const main = $('#main');
    if (!s.room) {
      renderLobby(main);
    } else if (s.room.state === 'WAITING') {
      renderWaiting(main);
    } else {
      renderGame(main);
    }
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
        + '<label>Room <input id="room-name" maxlength="100" value="' + esc((s.name || 'My') + "'s table") + '"></label>'
        + '<label>Game <select id="game-type"><option value="liap-tui">Liap Tui</option></select></label>'
        + '<label>Max rounds <input id="max-rounds" type="number" min="1" max="1000" value="20"></label>'
        + '<button id="create" type="submit">Create and join</button>'
        + '</form>'
        + '<h2>Rooms</h2>'
        + '<div id="room-list"></div>'
        + '</section>';
      $('#name').onchange = (e) => actions.rename(e.target.value.trim());
      $('#create-form').onsubmit = (e) => {
        e.preventDefault();
        actions.rename($('#name').value.trim());
        const opts = {};
        const mr = $('#max-rounds').value;
        if (mr) {
          opts.maxRounds = mr;
        }
        actions.create($('#room-name').value.trim() || 'table', $('#game-type').value, opts).catch(() => {});
      };
    }
    const rows = s.rooms.map((r) => {
      const taken = r.seats.filter((x) => x.bot || x.playerId).length;
      return '<tr><td>' + esc(r.name) + '</td><td>' + esc(r.gameType) + '</td><td>' + esc(r.state) + '</td><td>'
        + taken + '/' + r.seats.length + '</td><td>'
        + (r.state === 'WAITING' && taken < r.seats.length ? '<button class="join" data-room="' + esc(r.roomId) + '">Join</button>' : '')
        + '</td></tr>';
    }).join('');
    const list = $('#room-list');
    const pager = (s.lobbyBack.length ? '<button id="rooms-newer" type="button">Newer rooms</button> ' : '')
      + (s.lobbyNext ? '<button id="rooms-older" type="button">More rooms</button>' : '');
    list.innerHTML = (rows ? '<table class="rooms"><thead><tr><th>Room</th><th>Game</th><th>State</th><th>Seats</th><th></th></tr></thead><tbody>'
      + rows + '</tbody></table>' : '<p class="hint">No open rooms yet.</p>') + (pager ? '<p class="pager">' + pager + '</p>' : '');
    if ($('#rooms-newer')) {
      $('#rooms-newer').onclick = () => actions.lobbyPage(false);
    }
    if ($('#rooms-older')) {
      $('#rooms-older').onclick = () => actions.lobbyPage(true);
    }
    list.querySelectorAll('button.join').forEach((b) => {
      b.onclick = () => {
        actions.rename($('#name').value.trim());
        actions.join(b.dataset.room).catch(() => {});
      };
    });
  }

  function renderWaiting(main) {
    const seats = s.room.seats.map((x, i) => {
      const who = x.bot ? esc(x.name) + ' <span class="tag">bot</span>'
        : x.playerId ? esc(x.name) + (i === s.seat ? ' <span class="tag">you</span>' : '')
          : '<span class="hint">empty</span>';
      const remove = x.bot ? ' <button class="remove-bot" data-seat="' + i + '">Remove</button>' : '';
      return '<li data-seat="' + i + '">Seat ' + (i + 1) + ': ' + who + remove + '</li>';
    }).join('');
    const empty = s.room.seats.some((x) => !x.bot && !x.playerId);
    main.innerHTML =
      '<section class="waiting">'
      + '<h2>' + esc(s.room.name) + ' <span class="tag">' + esc(s.room.gameType) + '</span></h2>'
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
      seatName: seatName,
      esc: esc,
      act: (action, args) => actions.act(action, args).catch(() => {}),
      leave: () => actions.leave().catch(() => {})
    });
  }

  const genericGame = {
    render(el, ctx) {
      const buttons = ctx.allowed.map((a) => '<button class="act" data-action="' + ctx.esc(a) + '">' + ctx.esc(a) + '</button>').join(' ');
      el.innerHTML = '<h2>' + ctx.esc(ctx.room.name) + ' <span class="tag">' + ctx.esc(ctx.room.state) + '</span></h2>'
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
    if (!s.room && s.status === 'connected') {
      actions.listRooms();
    }
  }, 3000);
  connect();
  setTimeout(actions.listRooms, 300);
  render();
}());
