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
