# Los mensajes de losslab en español. Las claves coinciden una a una con en.ftl (tests/i18n.rs).
# Argumentos entre { $llaves }; los números eligen la forma plural. Los nombres CSV/JSON no van aquí.

## Errores
error-prefix = Error
err-no-port = `{ $target }` no tiene puerto; escríbalo como HOST:PUERTO, p. ej. 127.0.0.1:21567
err-resolve = no se puede resolver `{ $target }`: { $error }
err-no-address = `{ $target }` no corresponde a ninguna dirección
err-port-unreachable = { $target }: { $error } (ICMP puerto inalcanzable: ¿hay un servidor escuchando ahí?)

## losslab time
time-header = TIME { $target }: { $count ->
        [one] 1 solicitud
       *[other] { $count } solicitudes
    }, una cada { $interval }, tiempo de espera { $timeout }; de una en una hasta que una respuesta muestre que el servidor devuelve los id de losslab (luego en paralelo)
time-mode-by-id = el servidor devuelve los id de losslab: solicitudes en paralelo, cada respuesta emparejada con su propia solicitud
time-mode-stop-and-wait = las respuestas no llevan id de losslab: parada y espera, una solicitud cada vez (como el cliente de la práctica), así una respuesta solo puede ser de la solicitud que espera
time-reply = respuesta de { $target }: seq={ $seq } intento={ $attempt } tiempo={ $ms } ms: { $text }
time-timeout = tiempo agotado: seq={ $seq } intento={ $attempt } (sin respuesta en { $timeout })
time-timeout-retrying = tiempo agotado: seq={ $seq } intento={ $attempt } (sin respuesta en { $timeout }), se reintenta
time-late = respuesta tardía: seq={ $seq } intento={ $attempt } tras { $ms } ms (ya contada como perdida)
time-corrupted = respuesta corrupta (falló la suma de comprobación, descartada): { $text }
time-duplicate = respuesta duplicada (se cuenta una vez): { $text }
time-unmatched = datagrama inesperado (no corresponde a ninguna solicitud): { $text }
time-summary-title = --- estadísticas de hora de { $target } ---
time-summary-replies = { $n ->
        [one] 1 respuesta
       *[other] { $n } respuestas
    }
time-summary-counts = { $sent } solicitudes enviadas, { $replies ->
        [one] 1 respuesta
       *[other] { $replies } respuestas
    }, { $loss } de pérdida{ $ci }, { $late ->
        [one] 1 tardía
       *[other] { $late } tardías
    }, { $duplicates ->
        [one] 1 duplicada
       *[other] { $duplicates } duplicadas
    }
time-summary-ci = { " " }(IC 95% { $low }-{ $high }%)
time-summary-rtt = rtt mín/media/p50/p99/máx = { $min }/{ $avg }/{ $p50 }/{ $p99 }/{ $max } ms
time-summary-reproducible = los descartes de un servidor losslab son reproducibles para el id de cliente { $client } y su semilla: los estudiantes que comparten un servidor obtienen los mismos descartes salvo que cada uno use su propio --client-id
time-summary-foreign-server = el servidor no es losslab: sus descartes son suyos, losslab no puede reproducirlos
time-summary-no-reply = no llegó ninguna respuesta: nada indica si el servidor es de losslab (código de salida 1, como ping)
summary-interrupted = (interrumpido)
err-interrupted = interrumpido

## losslab echo
echo-no-reply = sin respuesta de { $proto } { $target } en { $timeout }
echo-unanswered = { $n ->
        [one] 1 línea quedó sin respuesta (código de salida 1)
       *[other] { $n } líneas quedaron sin respuesta (código de salida 1)
    }

## losslab run
progress-line = { $packets } paquetes, { $replies } respuestas, pérdida { $loss }
run-header = losslab run { $name }: semilla { $seed }, alteraciones { $impairments }, { $clients } clientes x { $requests } solicitudes, tiempo de espera { $timeout }, servidor { $server }
run-discard = [{ $ms } ms] el servidor descartó { $request } de { $from } ({ $rule })
run-interrupted = interrumpido: los resultados de abajo cubren lo medido antes de la parada
table-scope = ámbito
table-sent = enviad.
table-replies = resp.
table-timeouts = agotad.
table-loss = pérdida
table-loss-ci = IC 95% pérdida
table-rtt-min = rtt mín
table-max-ms = máx ms
run-server = servidor: recibió { $received }, respondió { $answered }, descartó { $discarded }; el modelo de pérdida espera { $expected }% de pérdida, medido { $measured }{ $retries }.
run-server-retries = { " " }sobre todos los intentos y { $first } sobre los primeros intentos
run-server-retries-stateful = { " " }sobre todos los intentos y { $first } sobre los primeros intentos (los reintentos de una solicitud perdida encuentran más a menudo el mismo estado de pérdida)
run-link-udp = enlace ({ $link }): perdió { $req_dropped } de { $requests } solicitudes de camino al servidor y { $rep_dropped } de { $replies } respuestas de vuelta.
run-link-tcp = enlace ({ $link }): perdió { $req_dropped } de { $requests } paquetes hacia el servidor y { $rep_dropped } de { $replies } de vuelta.
run-tcp = TCP: { $errors } solicitudes fallaron del todo (rechazadas, reiniciadas, mal formadas); TCP nunca avisa a la aplicación de un segmento perdido, lo retransmite y la pérdida aparece como retardo.
run-foreign = ajenos: { $n } datagramas o conexiones de otros que no son los clientes de esta ejecución, ignorados.
run-loss-periods = periodos de pérdida (RFC 3357, primeros intentos): { $periods }, longitud media { $mean }{ $model }, el más largo { $longest }.
run-loss-periods-model = { " " }(el modelo espera { $mean })
run-retries = reintentos (hasta { $retries }, espera { $backoff }): { $successes } de { $requests } solicitudes con éxito ({ $ratio }), { $attempts } intentos por éxito, { $goodput } éxitos por paquete enviado; tiempo hasta el éxito p50 { $p50 } ms, p99 { $p99 } ms.
run-delay-note = La cifra del modelo de pérdida no incluye el retardo: una respuesta retenida más allá del tiempo de espera también se pierde.
run-late = { $n ->
        [one] 1 respuesta llegó
       *[other] { $n } respuestas llegaron
    } después del tiempo de espera de { $timeout } y cuentan como perdidas (RFC 7680).
run-mismatches = { $n } paquetes tienen un resultado distinto de lo que hizo el servidor (respondido pero sin respuesta a tiempo, o nunca llegó al servidor).
run-sim-timing = { $simulated } s simulados en { $wall } s de tiempo real, { $rate } solicitudes/s
run-results = resultados: { $dir }/{"{"}{ $files }{"}"} ({ $timing })
request-losslab = la solicitud seq={ $seq } intento={ $attempt } del cliente { $client }
request-plain = la solicitud simple n.º { $index }

## losslab lab
lab-title = Práctica 9, aplicaciones de red con Python, paso a paso con losslab (solo loopback; un servidor se detiene con Ctrl-C)
lab-server = en otra terminal:
lab-docs = El recorrido completo, con lo que significa cada salida: docs/lab9.es.md (en inglés: docs/lab9.en.md).
lab-echo-tcp-title = Par de eco TCP ("Comunicación usando TCP" de la guía)
lab-echo-tcp-look = Fíjese en: la respuesta "Resp: hola"; el servidor cierra tras una respuesta, como el de la guía. El cliente Python de la guía también funciona con él.
lab-echo-udp-title = Par de eco UDP ("Comunicación usando UDP" de la guía)
lab-echo-udp-look = Fíjese en: la respuesta "Res: hola"; sin conexión, cada datagrama va por su cuenta.
lab-ex1-title = Ejercicio 1: un servidor de hora UDP que responde solo la mitad de las solicitudes
lab-ex1-look = Fíjese en: una línea de descarte en el servidor por cada tiempo agotado en el cliente; la pérdida y su intervalo del 95% en el resumen. Su propio servidor Python también sirve como destino.
lab-ex1-run-title = Ejercicio 1, medido: servidor y clientes en una ejecución, guardada en CSV
lab-ex1-run-look = Fíjese en: la misma semilla descarta las mismas solicitudes en cada ejecución; el intervalo contiene el 50% del modelo.
lab-ex2-title = Ejercicio 2: HTTP HEAD sobre TCP, junto a curl -sI
lab-ex2-look = Fíjese en: la misma línea de estado y cabeceras que curl -sI; una respuesta a HEAD no tiene cuerpo.
lab-bursty-title = Más allá de la guía: pérdida a ráfagas (Gilbert-Elliott)
lab-bursty-look = Fíjese en: la línea de periodos de pérdida; rachas medias cerca de 3 frente a unas 1,1 de una moneda al aire con la misma tasa.
lab-retries-title = Más allá de la guía: reintentos y espera entre ellos
lab-retries-look = Fíjese en: la línea de reintentos; más solicitudes tienen éxito, cada éxito cuesta más intentos, y la espera los reparte en el tiempo.
lab-udp-vs-tcp-title = Más allá de la guía: UDP frente a TCP en el mismo enlace con pérdidas
lab-udp-vs-tcp-look = Fíjese en: UDP pierde cerca del 19% de las solicitudes; TCP las responde todas y la pérdida aparece como retardo (escalones en los RTT).

## losslab serve
serve-time-header = servidor de hora losslab en udp { $local }: alteraciones { $impairments }, semilla { $seed } (Ctrl-C para detener)
serve-discarded = [{ $ms } ms] descartada { $request } de { $from } ({ $rule })
serve-answered = [{ $ms } ms] respondida { $request } de { $from }
serve-time-footer = recibidas { $received }, respondidas { $answered }, descartadas { $discarded }

## losslab head
head-header = HEAD { $url } ({ $target }): { $count } solicitudes, tiempo de espera { $timeout }
head-line = seq={ $seq } estado={ $status } conexión={ $connect } ms cabeceras={ $headers } ms ({ $how })
head-reused = conexión reutilizada
head-new = conexión nueva
head-no-response = { $url }: sin respuesta en { $timeout }
head-no-response-short = sin respuesta
head-none-succeeded = { $url }: ninguna solicitud tuvo éxito ({ $reason })
head-no-new-connection = ninguna conexión nueva
head-connect = conexión mín/p50/máx = { $min }/{ $p50 }/{ $max } ms en { $n } conexiones nuevas
head-summary-title = --- estadísticas HEAD de { $url } ---
head-summary-counts = { $sent } solicitudes, { $replies } respuestas, { $timeouts } tiempos agotados, { $errors } errores
head-summary-headers = cabeceras mín/p50/p99/máx = { $min }/{ $p50 }/{ $p99 }/{ $max } ms

## losslab serve echo
echo-srv-header = servidor de eco losslab en { $proto } { $local } (Ctrl-C para detener)
echo-srv-udp = udp { $from }: se recibió { $data }, { $outcome }
echo-srv-replied-udp = respondido "Res: ..."
echo-srv-not-sent = respuesta no enviada (demasiado grande para un datagrama, o la cola de envío está llena)
echo-srv-accepted = tcp { $peer }: conexión recibida
echo-srv-tcp-data = tcp { $peer }: se recibió { $data }, respondido "Resp: ..."
echo-srv-closed = tcp { $peer }: cerrada
echo-srv-dropped = tcp { $peer }: cerrada por el servidor ({ $reason })

## binding a port
bind-error = no se puede asociar el { $what } a { $addr }: { $error }{ $hint }
bind-hint-in-use = { " " }(otro programa ya usa este puerto; deténgalo o elija otro puerto)
bind-hint-no-address = { " " }(esta máquina no tiene esa dirección)
bind-hint-privileged = { " " }(los puertos por debajo de 1024 requieren privilegios; use uno mayor)
